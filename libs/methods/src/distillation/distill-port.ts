/**
 * Where the `distill` strategy's condensation runs. `mneme run` distils in-process; the trainer
 * service binds the port to the distiller service, so the synthetic set a deployed model replays is
 * the one the distiller made (and GPU distillers scale apart from trainers). Both run the same
 * {@link Distiller} on the same rows, network and options, so they give the same set.
 */
import type { Executor } from '@mneme/execution';
import { buildMlp } from '@mneme/models';
import type { DistillNetwork } from './distill-network.js';
import { Distiller, type DistillOptions, type DistillResult } from './distillation.js';

/** One experience to condense, in the classifier's feature space. */
export interface DistillRequest {
  /** Experience index (for provenance and the service's job). */
  readonly experience: number;
  /** Real rows, `labels.length × sizes[0]`, in training order. */
  readonly inputs: Float32Array;
  /** Class index of each row (below the last of `sizes`). */
  readonly labels: Int32Array;
  /** Layer widths of the MLP distilled for, input first, classes last. */
  readonly sizes: readonly number[];
  /** Run settings (progress callbacks stay local: a remote run reports through its job). */
  readonly options: Omit<DistillOptions, 'onStep'>;
}

/** Runs distillations for a strategy. @throws when the run fails or times out (the strategy then closes the experience without a set). */
export interface DistillPort {
  distil(request: DistillRequest, onStep?: (step: number, objective: number) => void): Promise<DistillResult>;
}

/** The MLP a distillation optimises for: layer widths input first, classes last, fresh weights per seed. */
export function mlpDistillNetwork(sizes: readonly number[]): DistillNetwork {
  return { name: `mlp-${sizes.join('-')}`, inputShape: [sizes[0]!], classes: sizes.at(-1)!, build: (seed) => buildMlp({ sizes, seed }) };
}

/** The in-process port: the distillation runs here, on `executor`. */
export function localDistillPort(executor: Executor): DistillPort {
  return {
    distil: (request, onStep) =>
      new Distiller(executor, mlpDistillNetwork(request.sizes)).distil(
        { inputs: request.inputs, labels: request.labels },
        { ...request.options, ...(onStep === undefined ? {} : { onStep }) },
      ),
  };
}
