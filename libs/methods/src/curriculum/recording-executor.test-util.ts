import type { Executor, Feeds, TrainStepResult } from '@mneme/execution';
import { CLASSIFIER_IO } from '@mneme/models';

/** One recorded train step: the rows and labels fed. */
export interface RecordedStep {
  readonly features: Float32Array;
  readonly labels: number[];
}

/**
 * A stand-in executor for ordering tests: the "model" returns its input as logits (so a test sets
 * each sample's scores through its features; inputSize must equal classes) and train steps only
 * record their batch, so the scores never move.
 */
export function recordingExecutor(): { executor: Executor; steps: RecordedStep[] } {
  const steps: RecordedStep[] = [];
  const executor: Executor = {
    device: 'recording',
    forward: (_model, feeds: Feeds) => Promise.resolve({ [CLASSIFIER_IO.logits]: feeds[CLASSIFIER_IO.input]! }),
    lossAndGradients: () => Promise.reject(new Error('not recorded')),
    trainStep: () => ({
      step: (feeds: Feeds): Promise<TrainStepResult> => {
        steps.push({
          features: Float32Array.from(feeds[CLASSIFIER_IO.input]!.data as Float32Array),
          labels: Array.from(feeds[CLASSIFIER_IO.labels]!.data as BigInt64Array, Number),
        });
        return Promise.resolve({ loss: 0, gradNorm: undefined, step: steps.length, outputs: {} });
      },
    }),
    virtualStep: () => {
      throw new Error('not recorded');
    },
  };
  return { executor, steps };
}
