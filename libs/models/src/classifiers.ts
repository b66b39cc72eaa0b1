import { Attr, GraphBuilder, type Dim, type Model } from '@mneme/graph';
import { Rng } from '@mneme/random';
import { InvalidArgumentError } from '@mneme/errors';
import { filled, initBias, initWeight, type InitScheme } from './init.js';

/** Names every classifier graph uses, so strategies and the engine can rely on them. */
export const CLASSIFIER_IO = Object.freeze({
  /** Float input features (or pixels) fed to the model. */
  input: 'x',
  /** Unnormalised class scores [batch, classes]. */
  logits: 'logits',
  /** int64 class indices [batch], added by {@link withCrossEntropyLoss}. */
  labels: 'labels',
  /** Scalar mean cross-entropy, added by {@link withCrossEntropyLoss}. */
  loss: 'loss',
  /** Per-sample cross-entropy [batch], added by {@link withCrossEntropyLoss}. */
  sampleLoss: 'sample_loss',
});

/** Options of {@link buildMlp}. */
export interface MlpOptions {
  /** Layer widths from input to classes, e.g. [784, 400, 400, 10]. */
  sizes: readonly number[];
  /** @default 0 */
  seed?: number;
  /** @default 'torch-default' */
  init?: InitScheme;
  /** Batch dim: a number, or a symbolic name. @default 'batch' */
  batch?: Dim;
}

/** A ReLU multilayer perceptron: Gemm layers `fc{i}.weight` [in, out] and `fc{i}.bias` [out]. */
export function buildMlp(options: MlpOptions): Model {
  const { sizes } = options;
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new InvalidArgumentError(`MLP sizes must be at least two positive integers, got [${sizes.join(', ')}]`);
  }
  const rng = Rng.seeded(options.seed ?? 0);
  const scheme = options.init ?? 'torch-default';
  const b = new GraphBuilder({ name: `mlp-${sizes.join('-')}` });
  let h = b.input(CLASSIFIER_IO.input, 'float32', [options.batch ?? 'batch', sizes[0]!]);
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i]!, sizes[i + 1]!];
    const w = b.initializer(`fc${i}.weight`, initWeight(rng, [fanIn, fanOut], fanIn, fanOut, scheme));
    const bias = b.initializer(`fc${i}.bias`, initBias(rng, fanOut, fanIn, scheme));
    const last = i + 2 === sizes.length;
    const z = last ? b.op('Gemm', [h, w, bias], {}, { outputs: [CLASSIFIER_IO.logits] })[0]! : b.op('Gemm', [h, w, bias]);
    h = last ? z : b.relu(z);
  }
  b.output(h, 'float32', [options.batch ?? 'batch', sizes.at(-1)!]);
  return b.build();
}

/** Options of {@link buildCnn}. */
export interface CnnOptions {
  /** Input [channels, height, width], e.g. [1, 28, 28]. */
  input: readonly [number, number, number];
  classes: number;
  /** Output channels of the two 3×3 conv blocks. @default [32, 64] */
  channels?: readonly [number, number];
  /** Width of the hidden dense layer. @default 128 */
  hidden?: number;
  /** @default 0 */
  seed?: number;
  /** @default 'torch-default' */
  init?: InitScheme;
  /** @default 'batch' */
  batch?: Dim;
}

/**
 * A small CNN: two blocks of 3×3 conv (pad 1) + ReLU + 2×2 max-pool, then dense + ReLU + dense.
 * Input `x` is [batch, C, H, W] (H and W divisible by 4).
 */
export function buildCnn(options: CnnOptions): Model {
  const [c, height, width] = options.input;
  if (height % 4 !== 0 || width % 4 !== 0)
    throw new InvalidArgumentError(`CNN input height and width must be divisible by 4, got ${height}×${width}`);
  const [c1, c2] = options.channels ?? [32, 64];
  const hidden = options.hidden ?? 128;
  const rng = Rng.seeded(options.seed ?? 0);
  const scheme = options.init ?? 'torch-default';
  const batch = options.batch ?? 'batch';
  const b = new GraphBuilder({ name: 'cnn' });
  let h = b.input(CLASSIFIER_IO.input, 'float32', [batch, c, height, width]);
  const convBlock = (name: string, cin: number, cout: number) => {
    const fanIn = cin * 9;
    const w = b.initializer(`${name}.weight`, initWeight(rng, [cout, cin, 3, 3], fanIn, cout * 9, scheme));
    const bias = b.initializer(`${name}.bias`, initBias(rng, cout, fanIn, scheme));
    const conv = b.op('Conv', [h, w, bias], { kernel_shape: Attr.ints([3, 3]), pads: Attr.ints([1, 1, 1, 1]) });
    h = b.op('MaxPool', [b.relu(conv)], { kernel_shape: Attr.ints([2, 2]), strides: Attr.ints([2, 2]) });
  };
  convBlock('conv0', c, c1);
  convBlock('conv1', c1, c2);
  const flat = c2 * (height / 4) * (width / 4);
  h = b.flatten(h, 1);
  const dense = (name: string, fanIn: number, fanOut: number, output?: string) => {
    const w = b.initializer(`${name}.weight`, initWeight(rng, [fanIn, fanOut], fanIn, fanOut, scheme));
    const bias = b.initializer(`${name}.bias`, initBias(rng, fanOut, fanIn, scheme));
    return output === undefined ? b.op('Gemm', [h, w, bias]) : b.op('Gemm', [h, w, bias], {}, { outputs: [output] })[0]!;
  };
  h = b.relu(dense('fc0', flat, hidden));
  h = dense('fc1', hidden, options.classes, CLASSIFIER_IO.logits);
  b.output(h, 'float32', [batch, options.classes]);
  return b.build();
}

/**
 * Adds softmax cross-entropy to a classifier: input `labels` (int64 [batch]), outputs `loss`
 * (scalar mean) and `sample_loss` ([batch], for MIR's interference scores and curricula).
 */
export function withCrossEntropyLoss(model: Model): Model {
  const b = GraphBuilder.from(model);
  const logits = model.graph.outputs.find((o) => o.name === CLASSIFIER_IO.logits);
  if (logits === undefined) throw new InvalidArgumentError(`model has no '${CLASSIFIER_IO.logits}' output`);
  const batch = logits.shape?.[0] ?? 'batch';
  const labels = b.input(CLASSIFIER_IO.labels, 'int64', [batch]);
  const perSample = b.op(
    'SoftmaxCrossEntropyLoss',
    [CLASSIFIER_IO.logits, labels],
    { reduction: Attr.string('none') },
    { outputs: [CLASSIFIER_IO.sampleLoss] },
  )[0]!;
  b.op('ReduceMean', [perSample], { keepdims: Attr.int(0) }, { outputs: [CLASSIFIER_IO.loss] });
  b.output(CLASSIFIER_IO.loss, 'float32', []);
  b.output(CLASSIFIER_IO.sampleLoss, 'float32', [batch]);
  return b.build();
}

/** Options of {@link buildConvNet}. */
export interface ConvNetOptions {
  /** Input [channels, height, width], e.g. [1, 28, 28]. */
  input: readonly [number, number, number];
  classes: number;
  /** Channels of every conv block. @default 32 */
  width?: number;
  /** Conv blocks (each halves height and width). @default 3 */
  depth?: number;
  /** Per-block normalisation. @default 'instance' */
  norm?: 'instance' | 'none';
  /** @default 0 */
  seed?: number;
  /** @default 'torch-default' */
  init?: InitScheme;
  /** @default 'batch' */
  batch?: Dim;
}

/** Added to the variance in instance norm, as PyTorch's GroupNorm does. */
const NORM_EPS = 1e-5;

/**
 * The ConvNet of the dataset-condensation literature (Zhao, Mopuri & Bilen 2021): `depth` blocks of
 * 3×3 conv (pad 1) → instance norm (per sample and channel over height and width, with a learned
 * per-channel scale `block{i}.norm.scale` and shift `block{i}.norm.shift`, 1-D [width]) → ReLU →
 * 2×2 average pool, then one dense layer `fc.weight` [features, classes]. Instance norm is written
 * in elementary ops (ReduceMean, Sub, Mul, Sqrt, Div) so the autodiff differentiates it twice, as
 * gradient matching and bi-level distillation need. Input `x` is [batch, C, H, W].
 */
export function buildConvNet(options: ConvNetOptions): Model {
  const [c, height, width] = options.input;
  const channels = options.width ?? 32;
  const depth = options.depth ?? 3;
  const norm = options.norm ?? 'instance';
  if (!Number.isInteger(depth) || depth < 1 || height >> depth < 1 || width >> depth < 1) {
    throw new InvalidArgumentError(`ConvNet depth ${depth} does not fit a ${height}×${width} input (each block halves both)`);
  }
  const rng = Rng.seeded(options.seed ?? 0);
  const scheme = options.init ?? 'torch-default';
  const batch = options.batch ?? 'batch';
  const b = new GraphBuilder({ name: `convnet-${channels}x${depth}` });
  let h = b.input(CLASSIFIER_IO.input, 'float32', [batch, c, height, width]);
  let [hh, ww, cin] = [height, width, c];
  for (let i = 0; i < depth; i++) {
    const fanIn = cin * 9;
    const w = b.initializer(`block${i}.conv.weight`, initWeight(rng, [channels, cin, 3, 3], fanIn, channels * 9, scheme));
    const bias = b.initializer(`block${i}.conv.bias`, initBias(rng, channels, fanIn, scheme));
    h = b.op('Conv', [h, w, bias], { kernel_shape: Attr.ints([3, 3]), pads: Attr.ints([1, 1, 1, 1]) });
    if (norm === 'instance') {
      const centred = b.sub(h, b.reduceMean(h, [2, 3], true));
      const deviation = b.sqrt(b.add(b.reduceMean(b.mul(centred, centred), [2, 3], true), b.scalar(NORM_EPS)));
      const scale = b.reshape(
        b.initializer(
          `block${i}.norm.scale`,
          filled([channels], () => 1),
        ),
        [channels, 1, 1],
      );
      const shift = b.reshape(
        b.initializer(
          `block${i}.norm.shift`,
          filled([channels], () => 0),
        ),
        [channels, 1, 1],
      );
      h = b.add(b.mul(b.div(centred, deviation), scale), shift);
    }
    h = b.op('AveragePool', [b.relu(h)], { kernel_shape: Attr.ints([2, 2]), strides: Attr.ints([2, 2]) });
    [hh, ww, cin] = [hh >> 1, ww >> 1, channels];
  }
  const features = channels * hh * ww;
  h = b.flatten(h, 1);
  const w = b.initializer('fc.weight', initWeight(rng, [features, options.classes], features, options.classes, scheme));
  const bias = b.initializer('fc.bias', initBias(rng, options.classes, features, scheme));
  h = b.op('Gemm', [h, w, bias], {}, { outputs: [CLASSIFIER_IO.logits] })[0]!;
  b.output(h, 'float32', [batch, options.classes]);
  return b.build();
}
