import type { ModelRef } from '@mneme/contracts';
import type { ParameterStore, VirtualStepSpec } from '@mneme/execution';

/**
 * A model version as MIR scores with it: a classifier graph with the `CLASSIFIER_IO` names of
 * @mneme/models (input `x`, int64 `labels`, scalar `loss`, per-sample `sample_loss`), its trained
 * parameters, and its label names in head order.
 */
export interface ResolvedClassifier {
  readonly model: VirtualStepSpec['model'];
  readonly params: ParameterStore;
  readonly labels: readonly string[];
}

/**
 * Where RetrieveInterfered finds a model version's graph and parameters (the model store, once a
 * version's artefact names its architecture; tests pass a fixed classifier).
 */
export interface ClassifierSource {
  /** @throws NotFoundError when the model or version does not exist */
  resolve(ref: ModelRef): Promise<ResolvedClassifier>;
}
