/**
 * The distillation core: learns K synthetic samples per label from a set of real samples by
 * bi-level optimisation (Wang et al. 2018, "Dataset Distillation", arXiv:1811.10959). Each outer
 * step draws fresh network weights w0 from the network's initialisation distribution ("random
 * initialisations"), takes `innerSteps` unrolled SGD steps on the synthetic set with a learnable
 * learning rate (lr = exp(log_lr)), measures the loss of the updated weights on a batch of real
 * data, and moves the synthetic samples and log_lr by Adam along the gradient of that loss —
 * a second-order gradient, obtained by differentiating the gradient graph again with
 * `appendGradients`. Variants (labelled): `first-order` (the mixed second derivative by a central
 * finite difference of first-order gradients, DARTS-style, Liu et al. 2019) and
 * `gradient-matching` (Zhao et al. 2021, see gradient-matching.ts).
 *
 * Everything heavy runs as ONNX graphs on the executor; JavaScript holds the synthetic samples,
 * samples weights and batches, and applies Adam.
 */
import { appendGradients, inlineGraph } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor } from '@mneme/execution';
import { GraphBuilder, specializeModel, type Model } from '@mneme/graph';
import { CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { gatherRows, int64FromInt32, tensor, type Tensor } from '@mneme/tensor';
import type { DistillMethod } from './distilled-set.js';
import { networkWeights, type DistillNetwork, type FeatureMap } from './distill-network.js';
import { buildMatchingGraph, MATCHING_IO } from './gradient-matching.js';
import { GraphMemo } from '../core/graph-memo.js';
import { AdamVector } from '../core/host-adam.js';

/** Options of a distillation run. */
export interface DistillOptions {
  /** Synthetic samples per label. */
  readonly perClass: number;
  /** Outer (Adam) steps on the synthetic samples. */
  readonly outerSteps: number;
  /** Unrolled inner SGD steps (second-order only; the first-order variant takes one). */
  readonly innerSteps: number;
  readonly method: DistillMethod;
  /** Start from random real samples of each label, or from noise. */
  readonly init: 'real' | 'noise';
  /** Fresh weight initialisations per outer step (their gradients are averaged). */
  readonly initsPerStep: number;
  /** Real samples per outer step (per label for gradient matching). */
  readonly realBatch: number;
  /** Adam learning rate of the synthetic samples and of log_lr. */
  readonly outerLr: number;
  /** Initial inner learning rate (fixed for gradient matching, where it is only recorded). */
  readonly innerLr: number;
  /** Seed of the run: initial samples, weight draws and real batches. */
  readonly seed: number;
  /** Clamp synthetic samples to [lo, hi] after each step (e.g. pixels to [0, 1]); none when absent. */
  readonly clamp?: readonly [number, number];
  /** Called after every outer step with the mean outer objective. */
  readonly onStep?: (step: number, objective: number) => void;
}

/** Defaults of {@link DistillOptions} (Wang et al. use Adam at 0.01 and an initial lr of 0.02). */
export const DISTILL_DEFAULTS = Object.freeze({
  perClass: 10,
  outerSteps: 100,
  innerSteps: 1,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  method: 'second-order' as DistillMethod,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  init: 'real' as 'real' | 'noise',
  initsPerStep: 1,
  realBatch: 128,
  outerLr: 0.01,
  innerLr: 0.02,
});

/** The valid distillation methods, for option parsing. */
export const DISTILL_METHODS: readonly DistillMethod[] = Object.freeze(['second-order', 'first-order', 'gradient-matching']);

/** The real data of one experience. */
export interface DistillData {
  /** Network inputs of the real samples, `labels.length × prod(network.inputShape)`. */
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  /**
   * Real samples (rows of `inputs`) in the synthetic space, for `init: 'real'` with a feature map
   * (e.g. the token embeddings of those texts). Without a feature map the rows of `inputs` are used.
   */
  readonly samplesOf?: (rows: readonly number[]) => Promise<Float32Array>;
  /**
   * `count` noise samples in the synthetic space, for `init: 'noise'` (e.g. embeddings of random
   * vocabulary tokens). Default: per-dimension Gaussian with the real inputs' mean and deviation
   * (without a feature map only).
   */
  readonly noise?: (rng: Rng, count: number) => Promise<Float32Array>;
}

/** What a distillation run yields. */
export interface DistillResult {
  /** Synthetic samples, `labels.length × prod(sampleShape)`, grouped by label in ascending order. */
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  readonly sampleShape: readonly number[];
  /** The learned inner learning rate (the initial one for gradient matching). */
  readonly lr: number;
  /** Mean outer objective per outer step (outer loss, or matching distance). */
  readonly trace: readonly number[];
  readonly seconds: number;
}

/** Names of the bi-level graph's inputs and outputs. */
export const DISTILL_IO = Object.freeze({
  /** float32 `[n, ...sampleShape]`: the synthetic samples (learned). */
  synthetic: 'syn/x',
  /** int64 `[n]`: their labels. */
  syntheticLabels: 'syn/labels',
  /** float32 `[1]`: log of the inner learning rate (learned). */
  logLr: 'syn/log_lr',
  /** float32 `[m, ...inputShape]`: a real batch. */
  real: 'real/x',
  /** int64 `[m]`: its labels. */
  realLabels: 'real/labels',
  /** Scalar: the loss of the inner-updated weights on the real batch. */
  outerLoss: 'distill/outer_loss',
  /** Scalar: the loss on the synthetic set at w0 (the first inner step's loss). */
  innerLoss: 'distill/inner_loss',
  /** ∂ outer loss / ∂ synthetic samples. */
  gradSynthetic: 'distill/grad_syn_x',
  /** ∂ outer loss / ∂ log_lr. */
  gradLogLr: 'distill/grad_log_lr',
});

/** A built bi-level graph and the weight inputs it expects. */
export interface BilevelGraph {
  readonly model: Model;
  /** Weight inputs (the network's initializer names), fed with w0. */
  readonly weights: readonly { name: string; dims: number[] }[];
}

/**
 * The second-order bi-level graph: inputs w0 (one per weight), synthetic samples and labels, log_lr,
 * a real batch; inner `w_{t+1} = w_t − exp(log_lr)·∇_w L(w_t; x_s)` for `innerSteps` steps; outer
 * `L(w_T; x_r)`; outputs the outer loss, the first inner loss and the outer loss's gradients with
 * respect to the synthetic samples and log_lr. The inner gradients are graph values, so the second
 * `appendGradients` differentiates through them (second order).
 */
export function buildBilevelGraph(
  network: DistillNetwork,
  featureMap: FeatureMap | undefined,
  nSyn: number,
  nReal: number,
  innerSteps: number,
): BilevelGraph {
  if (!Number.isInteger(innerSteps) || innerSteps < 1)
    throw new InvalidArgumentError(`inner steps must be a positive integer, got ${innerSteps}`);
  const classifier = withCrossEntropyLoss(network.build(0));
  const weights = networkWeights(classifier);
  const synNet = specializeModel(classifier, { batch: nSyn });
  const realNet = specializeModel(classifier, { batch: nReal });
  const sampleShape = featureMap?.sampleShape ?? network.inputShape;
  const b = new GraphBuilder({ name: 'distill-bilevel', opset: 17 });
  let w = new Map(weights.map(({ name, dims }) => [name, b.input(name, 'float32', dims)]));
  const xs = b.input(DISTILL_IO.synthetic, 'float32', [nSyn, ...sampleShape]);
  const ys = b.input(DISTILL_IO.syntheticLabels, 'int64', [nSyn]);
  const logLr = b.input(DISTILL_IO.logLr, 'float32', [1]);
  const xr = b.input(DISTILL_IO.real, 'float32', [nReal, ...network.inputShape]);
  const yr = b.input(DISTILL_IO.realLabels, 'int64', [nReal]);
  // The feature map is frozen, so the synthetic features are computed once for every inner step.
  const features = featureMap === undefined ? xs : featureMap.apply(b, xs, nSyn);
  const lr = b.exp(logLr);
  let firstInnerLoss: string | undefined;
  for (let t = 0; t < innerSteps; t++) {
    const bound = new Map<string, string>([[CLASSIFIER_IO.input, features], [CLASSIFIER_IO.labels, ys], ...w]);
    const inner = inlineGraph(b, synNet.graph, bound, `inner${t}/`);
    const loss = inner.get(CLASSIFIER_IO.loss)!;
    firstInnerLoss ??= loss;
    const grads = appendGradients(b, { loss, wrt: [...w.values()] });
    w = new Map([...w].map(([name, value]) => [name, b.sub(value, b.mul(lr, grads.get(value)!))]));
  }
  const outer = inlineGraph(
    b,
    realNet.graph,
    new Map<string, string>([[CLASSIFIER_IO.input, xr], [CLASSIFIER_IO.labels, yr], ...w]),
    'outer/',
  );
  const outerLoss = b.op('Identity', [outer.get(CLASSIFIER_IO.loss)!], {}, { outputs: [DISTILL_IO.outerLoss] })[0]!;
  b.op('Identity', [firstInnerLoss!], {}, { outputs: [DISTILL_IO.innerLoss] });
  const grads = appendGradients(b, { loss: outerLoss, wrt: [xs, logLr] });
  b.op('Identity', [grads.get(xs)!], {}, { outputs: [DISTILL_IO.gradSynthetic] });
  b.op('Identity', [grads.get(logLr)!], {}, { outputs: [DISTILL_IO.gradLogLr] });
  b.output(DISTILL_IO.outerLoss, 'float32', []);
  b.output(DISTILL_IO.innerLoss, 'float32', []);
  b.output(DISTILL_IO.gradSynthetic, 'float32', [nSyn, ...sampleShape]);
  b.output(DISTILL_IO.gradLogLr, 'float32', [1]);
  return { model: b.build(), weights };
}

/**
 * `featureMap` then `network` with cross-entropy, as one model whose input {@link CLASSIFIER_IO}.input
 * is the synthetic sample and whose weights are initializers of the network's names (so a
 * ParameterStore of network weights can be fed). Without a feature map: the classifier itself.
 */
export function syntheticClassifier(network: DistillNetwork, featureMap: FeatureMap | undefined, n: number): Model {
  const classifier = specializeModel(withCrossEntropyLoss(network.build(0)), { batch: n });
  if (featureMap === undefined) return classifier;
  const b = new GraphBuilder({ name: 'distill-synthetic-classifier', opset: 17 });
  const x = b.input(CLASSIFIER_IO.input, 'float32', [n, ...featureMap.sampleShape]);
  const labels = b.input(CLASSIFIER_IO.labels, 'int64', [n]);
  const bound = new Map<string, string>([
    [CLASSIFIER_IO.input, featureMap.apply(b, x, n)],
    [CLASSIFIER_IO.labels, labels],
  ]);
  for (const [name, value] of classifier.graph.initializers) bound.set(name, b.initializer(name, value));
  const inner = inlineGraph(b, classifier.graph, bound, 'net/');
  b.op('Identity', [inner.get(CLASSIFIER_IO.loss)!], {}, { outputs: [CLASSIFIER_IO.loss] });
  b.op('Identity', [inner.get(CLASSIFIER_IO.logits)!], {}, { outputs: [CLASSIFIER_IO.logits] });
  b.output(CLASSIFIER_IO.loss, 'float32', []);
  b.output(CLASSIFIER_IO.logits, 'float32', [n, network.classes]);
  return b.build();
}

/** The frozen feature map alone, `x [n, ...sampleShape]` → `features [n, ...inputShape]`. */
export function featureMapModel(featureMap: FeatureMap, n: number, inputShape: readonly number[]): Model {
  const b = new GraphBuilder({ name: 'distill-feature-map', opset: 17 });
  const x = b.input(CLASSIFIER_IO.input, 'float32', [n, ...featureMap.sampleShape]);
  b.op('Identity', [featureMap.apply(b, x, n)], {}, { outputs: ['features'] });
  b.output('features', 'float32', [n, ...inputShape]);
  return b.build();
}

const product = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Validates distillation options.
 *
 * @throws InvalidArgumentError listing every bad option
 */
export function checkDistillOptions(options: DistillOptions): void {
  const problems: string[] = [];
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt('perClass', options.perClass);
  positiveInt('innerSteps', options.innerSteps);
  positiveInt('initsPerStep', options.initsPerStep);
  positiveInt('realBatch', options.realBatch);
  if (!Number.isInteger(options.outerSteps) || options.outerSteps < 0)
    problems.push(`outerSteps must be a non-negative integer, got ${options.outerSteps}`);
  if (!(options.outerLr > 0)) problems.push(`outerLr must be positive, got ${options.outerLr}`);
  if (!(options.innerLr > 0)) problems.push(`innerLr must be positive, got ${options.innerLr}`);
  if (!DISTILL_METHODS.includes(options.method))
    problems.push(`method must be one of ${DISTILL_METHODS.join(', ')}, got '${String(options.method)}'`);
  if (options.method === 'first-order' && options.innerSteps !== 1) problems.push('the first-order variant takes exactly one inner step');
  if (options.clamp !== undefined && !(options.clamp[0] < options.clamp[1]))
    problems.push(`clamp must be [lo, hi] with lo < hi, got [${options.clamp.join(', ')}]`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/**
 * Distils real data into synthetic samples for one network (and optional frozen feature map) on
 * an executor. Compiled graphs are cached per shape, so repeated runs (one per experience) reuse
 * them.
 */
export class Distiller {
  private readonly graphs = new GraphMemo();
  readonly sampleShape: readonly number[];

  constructor(
    private readonly executor: Executor,
    readonly network: DistillNetwork,
    readonly featureMap?: FeatureMap,
  ) {
    this.sampleShape = featureMap?.sampleShape ?? network.inputShape;
  }

  /**
   * Learns `perClass` synthetic samples for every label present in `data`.
   *
   * @throws InvalidArgumentError for bad options or data
   */
  async distil(data: DistillData, options: DistillOptions): Promise<DistillResult> {
    checkDistillOptions(options);
    const started = performance.now();
    const d = product(this.network.inputShape);
    const n = data.labels.length;
    if (n === 0 || data.inputs.length !== n * d) {
      throw new InvalidArgumentError(
        `distillation needs real data: ${data.inputs.length} input values for ${n} labels of ${d} values each`,
      );
    }
    const bad = data.labels.findIndex((l) => !(l >= 0 && l < this.network.classes));
    if (bad >= 0)
      throw new InvalidArgumentError(`label ${data.labels[bad]} of sample ${bad} is outside the network's ${this.network.classes} classes`);
    const rng = Rng.seeded(options.seed);
    const classes = [...new Set(data.labels)].sort((a, b) => a - b);
    const labels = Int32Array.from(classes.flatMap((c) => new Array<number>(options.perClass).fill(c)));
    const inputs = await this.initialSamples(data, classes, options, rng);
    const state: LoopState = { inputs, labels, logLr: Float32Array.of(Math.log(options.innerLr)), rng, trace: [] };
    if (options.method === 'gradient-matching') await this.matchingLoop(data, classes, options, state);
    else await this.bilevelLoop(data, options, state);
    return {
      inputs,
      labels,
      sampleShape: this.sampleShape,
      lr: Math.exp(state.logLr[0]!),
      trace: state.trace,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** The synthetic samples as the network sees them (through the feature map, when there is one). */
  async features(inputs: Float32Array): Promise<Float32Array> {
    if (this.featureMap === undefined) return inputs.slice();
    const n = inputs.length / product(this.sampleShape);
    const model = this.graphs.get(`features:${n}`, () => featureMapModel(this.featureMap!, n, this.network.inputShape));
    const out = await this.executor.forward(model, { [CLASSIFIER_IO.input]: tensor('float32', [n, ...this.sampleShape], inputs) });
    return (out['features']!.data as Float32Array).slice();
  }

  private async initialSamples(data: DistillData, classes: readonly number[], options: DistillOptions, rng: Rng): Promise<Float32Array> {
    const s = product(this.sampleShape);
    const count = classes.length * options.perClass;
    if (options.init === 'real') {
      // K distinct real samples per label (with repeats only when a label has fewer than K).
      const rows = classes.flatMap((c) => {
        const of = [...data.labels.keys()].filter((i) => data.labels[i] === c);
        const picked = rng.sample(of.length, Math.min(of.length, options.perClass)).map((j) => of[j]!);
        while (picked.length < options.perClass) picked.push(of[rng.int(of.length)]!);
        return picked;
      });
      if (data.samplesOf !== undefined) return Float32Array.from(await data.samplesOf(rows));
      if (this.featureMap !== undefined)
        throw new InvalidArgumentError('init=real with a feature map needs samplesOf (the real samples in the synthetic space)');
      return gatherRows(data.inputs, s, rows);
    }
    if (data.noise !== undefined) return Float32Array.from(await data.noise(rng, count));
    if (this.featureMap !== undefined)
      throw new InvalidArgumentError('init=noise with a feature map needs a noise source in the synthetic space');
    const n = data.labels.length;
    const mean = new Float64Array(s);
    const sq = new Float64Array(s);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const v = data.inputs[i * s + j]!;
        mean[j] = mean[j]! + v / n;
        sq[j] = sq[j]! + (v * v) / n;
      }
    }
    const out = new Float32Array(count * s);
    for (let i = 0; i < count; i++)
      for (let j = 0; j < s; j++) out[i * s + j] = rng.normal(mean[j], Math.sqrt(Math.max(sq[j]! - mean[j]! ** 2, 1e-12)));
    return out;
  }

  /** Fresh network weights from the initialisation distribution (a new draw every call). */
  private drawWeights(rng: Rng): Map<string, Tensor<'float32'>> {
    const model = this.network.build(rng.int(0x7fffffff));
    return new Map(
      networkWeights(model).map(({ name, dims }) => [
        name,
        tensor('float32', dims, Float32Array.from(model.graph.initializers.get(name)!.data as Float32Array)),
      ]),
    );
  }

  private realBatch(data: DistillData, rows: readonly number[]): { x: Tensor<'float32'>; y: Tensor<'int64'> } {
    const d = product(this.network.inputShape);
    const x = gatherRows(data.inputs, d, rows);
    return {
      x: tensor('float32', [rows.length, ...this.network.inputShape], x),
      y: tensor('int64', [rows.length], int64FromInt32(rows.map((r) => data.labels[r]!))),
    };
  }

  private clamp(inputs: Float32Array, options: DistillOptions): void {
    if (options.clamp === undefined) return;
    const [lo, hi] = options.clamp;
    for (let i = 0; i < inputs.length; i++) inputs[i] = Math.min(hi, Math.max(lo, inputs[i]!));
  }

  private async bilevelLoop(data: DistillData, options: DistillOptions, state: LoopState): Promise<void> {
    const nSyn = state.labels.length;
    const nReal = Math.min(options.realBatch, data.labels.length);
    const adamX = new AdamVector(state.inputs.length);
    const adamLr = new AdamVector(1);
    const synLabels = tensor('int64', [nSyn], int64FromInt32(state.labels));
    for (let step = 0; step < options.outerSteps; step++) {
      const gradX = new Float64Array(state.inputs.length);
      let gradLr = 0;
      let objective = 0;
      for (let k = 0; k < options.initsPerStep; k++) {
        const w0 = this.drawWeights(state.rng);
        const real = this.realBatch(data, state.rng.sample(data.labels.length, nReal));
        const xs = tensor('float32', [nSyn, ...this.sampleShape], state.inputs.slice());
        const r =
          options.method === 'second-order'
            ? await this.secondOrderStep(w0, xs, synLabels, state.logLr, real, options.innerSteps)
            : await this.firstOrderStep(w0, xs, synLabels, state.logLr, real);
        for (let i = 0; i < gradX.length; i++) gradX[i] = gradX[i]! + r.gradX[i]! / options.initsPerStep;
        gradLr += r.gradLogLr / options.initsPerStep;
        objective += r.loss / options.initsPerStep;
      }
      adamX.step(state.inputs, gradX, options.outerLr);
      adamLr.step(state.logLr, [gradLr], options.outerLr);
      this.clamp(state.inputs, options);
      state.trace.push(objective);
      options.onStep?.(step, objective);
    }
  }

  private async secondOrderStep(
    w0: ReadonlyMap<string, Tensor<'float32'>>,
    xs: Tensor<'float32'>,
    ys: Tensor<'int64'>,
    logLr: Float32Array,
    real: { x: Tensor<'float32'>; y: Tensor<'int64'> },
    innerSteps: number,
  ): Promise<StepResult> {
    const nSyn = ys.shape[0]!;
    const nReal = real.y.shape[0]!;
    const model = this.graphs.get(
      `bilevel:${nSyn}:${nReal}:${innerSteps}`,
      () => buildBilevelGraph(this.network, this.featureMap, nSyn, nReal, innerSteps).model,
    );
    const out = await this.executor.forward(model, {
      ...Object.fromEntries(w0),
      [DISTILL_IO.synthetic]: xs,
      [DISTILL_IO.syntheticLabels]: ys,
      [DISTILL_IO.logLr]: tensor('float32', [1], logLr.slice()),
      [DISTILL_IO.real]: real.x,
      [DISTILL_IO.realLabels]: real.y,
    });
    return {
      loss: Number(out[DISTILL_IO.outerLoss]!.data[0]),
      gradX: out[DISTILL_IO.gradSynthetic]!.data as Float32Array,
      gradLogLr: Number(out[DISTILL_IO.gradLogLr]!.data[0]),
    };
  }

  /**
   * First-order variant: d outer/d x_s = −lr · (∂²L_s/∂x_s∂w)·v with v = ∇_w L_r(w1), where the
   * mixed term is a central difference of first-order input gradients at w0 ± εv (DARTS, Liu et
   * al. 2019, eq. 8). Treating the inner gradient as a constant would make w1, and so the outer
   * loss, independent of x_s (a zero gradient); this is the cheapest non-trivial first-order form.
   */
  private async firstOrderStep(
    w0: ReadonlyMap<string, Tensor<'float32'>>,
    xs: Tensor<'float32'>,
    ys: Tensor<'int64'>,
    logLr: Float32Array,
    real: { x: Tensor<'float32'>; y: Tensor<'int64'> },
  ): Promise<StepResult> {
    const nSyn = ys.shape[0]!;
    const lr = Math.exp(logLr[0]!);
    const synModel = this.graphs.get(`syn-classifier:${nSyn}`, () => syntheticClassifier(this.network, this.featureMap, nSyn));
    const realModel = this.graphs.get('real-classifier', () => withCrossEntropyLoss(this.network.build(0)));
    const names = [...w0.keys()];
    const store = (values: ReadonlyMap<string, Float32Array>) => {
      const s = new ParameterStore();
      for (const [name, data] of values) s.set(name, tensor('float32', w0.get(name)!.shape, data));
      return s;
    };
    const synFeeds = { [CLASSIFIER_IO.input]: xs, [CLASSIFIER_IO.labels]: ys };
    const inner = await this.executor.lossAndGradients(synModel, synFeeds, {
      loss: CLASSIFIER_IO.loss,
      wrt: names,
      params: store(new Map(names.map((n) => [n, w0.get(n)!.data]))),
    });
    const w1 = new Map(names.map((n) => [n, w0.get(n)!.data.map((v, i) => v - lr * (inner.gradients.get(n)!.data as Float32Array)[i]!)]));
    const outer = await this.executor.lossAndGradients(
      realModel,
      { [CLASSIFIER_IO.input]: real.x, [CLASSIFIER_IO.labels]: real.y },
      { loss: CLASSIFIER_IO.loss, wrt: names, params: store(w1) },
    );
    const v = new Map(names.map((n) => [n, outer.gradients.get(n)!.data as Float32Array]));
    let vNorm = 0;
    let gv = 0;
    for (const n of names) {
      const g = inner.gradients.get(n)!.data as Float32Array;
      v.get(n)!.forEach((x, i) => {
        vNorm += x * x;
        gv += x * g[i]!;
      });
    }
    vNorm = Math.sqrt(vNorm);
    const eps = 0.01 / Math.max(vNorm, 1e-12);
    const shifted = (sign: number) => store(new Map(names.map((n) => [n, w0.get(n)!.data.map((x, i) => x + sign * eps * v.get(n)![i]!)])));
    const plus = await this.executor.lossAndGradients(synModel, synFeeds, {
      loss: CLASSIFIER_IO.loss,
      wrt: [CLASSIFIER_IO.input],
      params: shifted(1),
    });
    const minus = await this.executor.lossAndGradients(synModel, synFeeds, {
      loss: CLASSIFIER_IO.loss,
      wrt: [CLASSIFIER_IO.input],
      params: shifted(-1),
    });
    const gp = plus.gradients.get(CLASSIFIER_IO.input)!.data as Float32Array;
    const gm = minus.gradients.get(CLASSIFIER_IO.input)!.data as Float32Array;
    const gradX = new Float32Array(gp.length);
    for (let i = 0; i < gp.length; i++) gradX[i] = (-lr * (gp[i]! - gm[i]!)) / (2 * eps);
    // d outer / d log_lr = (∂ outer/∂w1)·(−g)·lr, exact.
    return { loss: outer.loss, gradX, gradLogLr: -lr * gv };
  }

  /** Gradient matching (Zhao et al. 2021): per outer step and label, one fresh init, one match. */
  private async matchingLoop(data: DistillData, classes: readonly number[], options: DistillOptions, state: LoopState): Promise<void> {
    const k = options.perClass;
    const s = product(this.sampleShape);
    const rowsOf = classes.map((c) => [...data.labels.keys()].filter((i) => data.labels[i] === c));
    const m = Math.min(options.realBatch, ...rowsOf.map((r) => r.length));
    const model = this.graphs.get(`matching:${k}:${m}`, () => buildMatchingGraph(this.network, this.featureMap, k, m));
    const adam = new AdamVector(state.inputs.length);
    for (let step = 0; step < options.outerSteps; step++) {
      const grad = new Float64Array(state.inputs.length);
      let objective = 0;
      for (let init = 0; init < options.initsPerStep; init++) {
        const w0 = this.drawWeights(state.rng);
        for (let ci = 0; ci < classes.length; ci++) {
          const rows = rowsOf[ci]!;
          const real = this.realBatch(
            data,
            state.rng.sample(rows.length, m).map((j) => rows[j]!),
          );
          const own = state.inputs.slice(ci * k * s, (ci + 1) * k * s);
          const out = await this.executor.forward(model, {
            ...Object.fromEntries(w0),
            [MATCHING_IO.synthetic]: tensor('float32', [k, ...this.sampleShape], own),
            [MATCHING_IO.syntheticLabels]: tensor('int64', [k], new BigInt64Array(k).fill(BigInt(classes[ci]!))),
            [MATCHING_IO.real]: real.x,
            [MATCHING_IO.realLabels]: real.y,
          });
          const g = out[MATCHING_IO.gradSynthetic]!.data as Float32Array;
          for (let i = 0; i < g.length; i++) grad[ci * k * s + i] = grad[ci * k * s + i]! + g[i]! / options.initsPerStep;
          objective += Number(out[MATCHING_IO.distance]!.data[0]) / options.initsPerStep;
        }
      }
      adam.step(state.inputs, grad, options.outerLr);
      this.clamp(state.inputs, options);
      state.trace.push(objective);
      options.onStep?.(step, objective);
    }
  }
}

interface LoopState {
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  readonly logLr: Float32Array;
  readonly rng: Rng;
  readonly trace: number[];
}

interface StepResult {
  readonly loss: number;
  readonly gradX: ArrayLike<number>;
  readonly gradLogLr: number;
}
