/**
 * What distillation learns for: a network whose weights are drawn afresh from their
 * initialisation distribution, and an optional frozen feature map in front of it.
 */
import { type GraphBuilder, type Model } from '@mneme/graph';
import type { Rng } from '@mneme/random';

/** The network distilled for: a classifier whose weights are drawn afresh for every outer step. */
export interface DistillNetwork {
  /** Short description for provenance, e.g. `mlp-784-400-400-10`. */
  readonly name: string;
  /** Shape of one network input (without the batch dim), e.g. [784] or [1, 28, 28]. */
  readonly inputShape: readonly number[];
  readonly classes: number;
  /**
   * A logits model (input `x` `[batch, ...inputShape]`, output
   * `logits`, symbolic batch) whose float32 initializers are the trainable
   * weights, drawn from the initialisation distribution under `seed`.
   */
  build(seed: number): Model;
}

/**
 * A frozen map from synthetic samples to network inputs (e.g. a text encoder from token-input
 * embeddings to pooled sentence features). Gradients flow through it to the samples.
 */
export interface FeatureMap {
  /** Short description for provenance. */
  readonly name: string;
  /** Shape of one synthetic sample, e.g. [16, 384] token embeddings. */
  readonly sampleShape: readonly number[];
  /**
   * Appends the map to `b`: `x` is `[n, ...sampleShape]`; returns the name of the network input
   * value `[n, ...network.inputShape]`. Shapes must be static (specialise to `n`).
   */
  apply(b: GraphBuilder, x: string, n: number): string;
}

/**
 * Where synthetic samples live when it is not the classifier's feature space: a frozen feature map
 * (e.g. a text encoder from token-input embeddings to sentence features) and the real samples in
 * that space by sample id.
 */
export interface DistillInputSpace {
  readonly featureMap: FeatureMap;
  /** The synthetic-space form of the real samples with these ids (e.g. their token embeddings). */
  samplesOf(ids: readonly number[]): Promise<Float32Array>;
  /** `count` noise samples in the synthetic space (for `init=noise`, e.g. random vocabulary embeddings). */
  noise?(rng: Rng, count: number): Promise<Float32Array>;
}

/** The float32 initializers of a network: the weights every variant feeds. */
export function networkWeights(model: Model): { name: string; dims: number[] }[] {
  return [...model.graph.initializers].filter(([, t]) => t.dtype === 'float32').map(([name, t]) => ({ name, dims: [...t.shape] }));
}
