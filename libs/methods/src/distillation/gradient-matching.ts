/**
 * The gradient-matching distillation objective of Zhao, Mopuri & Bilen 2021, "Dataset Condensation
 * with Gradient Matching" (ICLR, arXiv:2006.05929): for one label and fresh weights w, the distance
 * between the weight gradients of the loss on a real batch and on the synthetic samples,
 * Σ_layers Σ_output-units (1 − cos(∇_w L_real, ∇_w L_syn)) (their `distance_wb`; biases, being 1-D,
 * are left out as in their code). Its gradient with respect to the synthetic samples goes through
 * the synthetic weight gradient (second order). Offered as a variant of the bi-level distillation
 * (option `method=gradient-matching`); this version matches at fresh initialisations only (their
 * outer loop without the inner network updates on the synthetic set).
 */
import { appendGradients, inlineGraph } from '@mneme/autodiff';
import { GraphBuilder, specializeModel, type Model } from '@mneme/graph';
import { CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { networkWeights, type DistillNetwork, type FeatureMap } from './distill-network.js';

/** Names of the matching graph's inputs and outputs (weights are fed under their own names). */
export const MATCHING_IO = Object.freeze({
  /** float32 `[k, ...sampleShape]`: synthetic samples of one label. */
  synthetic: 'syn/x',
  /** int64 `[k]`: their label. */
  syntheticLabels: 'syn/labels',
  /** float32 `[m, ...inputShape]`: real samples of the same label. */
  real: 'real/x',
  /** int64 `[m]`. */
  realLabels: 'real/labels',
  /** Scalar: the gradient distance. */
  distance: 'distill/match_distance',
  /** ∂ distance / ∂ synthetic samples. */
  gradSynthetic: 'distill/grad_syn_x',
});

/** Added to the product of norms, as in the reference code. */
const COSINE_EPS = 1e-6;

/**
 * The matching graph for `k` synthetic and `m` real samples of one label: inputs are the weights
 * (the network's initializer names), the samples and labels; outputs the distance and its gradient.
 */
export function buildMatchingGraph(network: DistillNetwork, featureMap: FeatureMap | undefined, k: number, m: number): Model {
  const classifier = withCrossEntropyLoss(network.build(0));
  const weights = networkWeights(classifier);
  const sampleShape = featureMap?.sampleShape ?? network.inputShape;
  const b = new GraphBuilder({ name: 'distill-gradient-matching', opset: 17 });
  const w = new Map(weights.map(({ name, dims }) => [name, b.input(name, 'float32', dims)]));
  const xs = b.input(MATCHING_IO.synthetic, 'float32', [k, ...sampleShape]);
  const ys = b.input(MATCHING_IO.syntheticLabels, 'int64', [k]);
  const xr = b.input(MATCHING_IO.real, 'float32', [m, ...network.inputShape]);
  const yr = b.input(MATCHING_IO.realLabels, 'int64', [m]);
  const features = featureMap === undefined ? xs : featureMap.apply(b, xs, k);
  const lossOf = (x: string, y: string, n: number, prefix: string) =>
    inlineGraph(
      b,
      specializeModel(classifier, { batch: n }).graph,
      new Map<string, string>([[CLASSIFIER_IO.input, x], [CLASSIFIER_IO.labels, y], ...w]),
      prefix,
    ).get(CLASSIFIER_IO.loss)!;
  const synGrads = appendGradients(b, { loss: lossOf(features, ys, k, 'match_syn/'), wrt: [...w.values()] });
  const realGrads = appendGradients(b, { loss: lossOf(xr, yr, m, 'match_real/'), wrt: [...w.values()] });
  const terms: string[] = [];
  for (const { name, dims } of weights) {
    if (dims.length < 2) continue;
    // One cosine per output unit: Gemm weights are [in, out] (reduce the inputs, axis 0); conv
    // weights [out, in, kh, kw] (reduce everything but axis 0).
    const axes = dims.length === 2 ? [0] : dims.slice(1).map((_, i) => i + 1);
    const gs = synGrads.get(w.get(name)!)!;
    const gr = realGrads.get(w.get(name)!)!;
    const norm = (g: string) => b.sqrt(b.add(b.reduceSum(b.mul(g, g), axes, false), b.scalar(1e-12)));
    const cos = b.div(b.reduceSum(b.mul(gs, gr), axes, false), b.add(b.mul(norm(gs), norm(gr)), b.scalar(COSINE_EPS)));
    terms.push(b.reduceSum(b.sub(b.scalar(1), cos), undefined, false));
  }
  const total = terms.length === 1 ? terms[0]! : b.op('Sum', terms);
  const distance = b.op('Identity', [total], {}, { outputs: [MATCHING_IO.distance] })[0]!;
  const grads = appendGradients(b, { loss: distance, wrt: [xs] });
  b.op('Identity', [grads.get(xs)!], {}, { outputs: [MATCHING_IO.gradSynthetic] });
  b.output(MATCHING_IO.distance, 'float32', []);
  b.output(MATCHING_IO.gradSynthetic, 'float32', [k, ...sampleShape]);
  return b.build();
}
