import { join } from 'node:path';
import type { ModelRef } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { Classifier } from '@mneme/methods';
import { FileModelStore } from '@mneme/model-store';
import { classifierOf } from '@mneme/streaming';
import type { ClassifierSource, ResolvedClassifier } from './classifier-source.js';
import { buildModelRuntime, type ModelRuntime } from './model-runtime.js';

/**
 * Model versions from the model store as MIR scores with them: the model's classifier graph (the
 * MLP its strategy trains, with the cross-entropy loss) and the version's saved parameters. Only
 * strategies whose predictor is that one classifier have such a version.
 */
export class StoreClassifiers implements ClassifierSource {
  private readonly store: FileModelStore;
  private readonly runtimes = new Map<string, Promise<ModelRuntime>>();

  constructor(
    dataDir: string,
    private readonly executor: Executor,
    private readonly modelsDir: string,
  ) {
    this.store = new FileModelStore(join(dataDir, 'models-store'));
  }

  async resolve(ref: ModelRef): Promise<ResolvedClassifier> {
    const record = await this.store.getModel(ref.modelId);
    const version = await this.store.getVersion(ref.modelId, Number(ref.version));
    let runtime = this.runtimes.get(ref.modelId);
    if (runtime === undefined) {
      runtime = buildModelRuntime(record, this.executor, this.modelsDir);
      runtime.catch(() => this.runtimes.delete(ref.modelId));
      this.runtimes.set(ref.modelId, runtime);
    }
    const { definition, featurizer } = await runtime;
    const net = new Classifier(
      this.executor,
      classifierOf(definition, featurizer.width, version.labels.length),
      definition.settings.optimizer,
      definition.settings.learningRate,
      record.seed,
    );
    const state = await this.store.loadVersionState(ref.modelId, version.version);
    const missing = net.store
      .names()
      .filter((n) => !state.params.has(n) || state.params.get(n).data.length !== net.store.get(n).data.length);
    if (version.labels.length === 0)
      throw new MnemeError(
        'failed-precondition',
        `model '${ref.modelId}' version ${version.version} has learned no label yet: MIR has nothing to score with`,
      );
    if (missing.length > 0) {
      throw new MnemeError(
        'failed-precondition',
        `model '${ref.modelId}' (strategy ${record.strategy.name}) has no single classifier MIR can score with (missing ${missing.join(', ')})`,
      );
    }
    return { model: net.model, params: state.params, labels: version.labels };
  }
}
