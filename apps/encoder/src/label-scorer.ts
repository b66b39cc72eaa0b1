import type { Prediction } from '@mneme/contracts';
import type { Executor } from '@mneme/execution';
import { Classifier, softmaxRows, strategyCapabilities, type StrategyState } from '@mneme/methods';
import { classifierOf } from '@mneme/streaming';
import type { ModelRuntime } from '@mneme/service-runtime';

/** Probabilities per class of a batch of feature rows. */
export interface LabelScorer {
  /**
   * `rows × classes` probabilities. `calibrated` is false when the strategy only names a class:
   * the predicted class then has probability 1 and every other 0.
   */
  score(
    features: Float32Array,
    taskId: number | undefined,
    tokens?: readonly (readonly number[])[],
  ): Promise<{ probabilities: Float32Array; calibrated: boolean }>;
}

/**
 * A scorer for a restored version. Strategies whose whole predictor is one MLP classifier over the
 * features (the `softmaxHead` capability) get softmax probabilities from the classifier's logits (one forward pass, the same one `predict` runs); every other strategy, and
 * any task-restricted prediction, falls back to `strategy.predict`: the predicted label with
 * probability 1 (documented on the Predict response as uncalibrated): task heads, expanding heads,
 * adapters and kNN votes predict in ways a softmax of one head would misreport.
 */
export function labelScorer(runtime: ModelRuntime, state: StrategyState, labels: readonly string[], executor: Executor): LabelScorer {
  // The version's labels: the classes it learned, which may be more than were declared.
  const classes = labels.length;
  const head = strategyCapabilities(runtime.record.strategy.name).softmaxHead ? classifierFor(runtime, state, executor) : undefined;
  return {
    async score(features, taskId, tokens) {
      if (head !== undefined && taskId === undefined && head.classes === classes) {
        return { probabilities: softmaxRows(await head.logits(features), classes), calibrated: true };
      }
      const predicted = await runtime.strategy.predict(features, {
        ...(taskId === undefined ? {} : { taskId }),
        ...(tokens === undefined ? {} : { tokens }),
      });
      const probabilities = new Float32Array(predicted.length * classes);
      // −1 (no class learned yet) leaves the row at zero.
      predicted.forEach((c, row) => {
        if (c >= 0 && c < classes) probabilities[row * classes + c] = 1;
      });
      return { probabilities, calibrated: false };
    },
  };
}

/** The strategy's classifier rebuilt on the saved parameters, or undefined if they do not fit it. */
function classifierFor(runtime: ModelRuntime, state: StrategyState, executor: Executor): Classifier | undefined {
  const settings = runtime.definition.settings;
  const net = new Classifier(
    executor,
    classifierOf(runtime.definition, runtime.featurizer.width, 0),
    settings.optimizer,
    settings.learningRate,
    runtime.record.seed,
  );
  // Only when every hidden parameter of the classifier is in the saved state with the same shape
  // (the output layer's width is the saved class count).
  const fits = net.store
    .names()
    .every(
      (n) =>
        state.params.has(n) &&
        (n.startsWith(`fc${runtime.definition.hidden.length}.`) || sameShape(state.params.get(n).shape, net.store.get(n).shape)),
    );
  if (!fits) return undefined;
  try {
    net.setStore(state.params.clone());
  } catch {
    return undefined;
  }
  return net.classes === 0 ? undefined : net;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The `topK` most probable labels of one row, most probable first (0 = all). */
export function topLabels(probabilities: Float32Array, row: number, labels: readonly string[], topK: number): Prediction {
  const classes = labels.length;
  const order = labels.map((_, c) => c).sort((a, b) => probabilities[row * classes + b]! - probabilities[row * classes + a]!);
  const k = topK === 0 ? classes : Math.min(topK, classes);
  return { scores: order.slice(0, k).map((c) => ({ label: labels[c]!, probability: probabilities[row * classes + c]! })) };
}
