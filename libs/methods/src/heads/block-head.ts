/**
 * A classification head made of blocks of output rows (one block per experience or task), on frozen
 * features, optionally behind a residual adapter. The building block of `task-heads`,
 * `expanding-head` and `adapter`: each block's rows are separate initializers concatenated along the
 * class axis in the graph, so "old rows frozen" is simply "old blocks not trainable" — they cost no
 * gradient work and are baked into the compiled train step as constants.
 *
 * Cosine heads (Hou et al. 2019, LUCIR, "Learning a Unified Classifier Incrementally via
 * Rebalancing", CVPR; the frozen-backbone cosine classifier of Zheng et al. 2024): logits =
 * s · normalize(h) · normalize(W), so new rows cannot win by a larger norm than old ones.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor, type OptimizerSpec, type TrainStepRunner } from '@mneme/execution';
import { Attr, createTensor, GraphBuilder, type Model } from '@mneme/graph';
import { CLASSIFIER_IO, withCrossEntropyLoss } from '@mneme/models';
import { Rng } from '@mneme/random';
import { int64FromInt32, tensor } from '@mneme/tensor';
import { forwardInChunks } from '../core/chunked-forward.js';
import { checkFeatures, noClass } from '../core/classifier.js';

/** How a block scores classes: an affine map, or scaled cosine similarity. */
export type HeadKind = 'linear' | 'cosine';

/** The valid {@link HeadKind} values, for option parsing. */
export const HEAD_KINDS: readonly HeadKind[] = Object.freeze(['linear', 'cosine']);

/** Options of {@link BlockHead}. */
export interface BlockHeadOptions {
  readonly inputSize: number;
  readonly kind: HeadKind;
  /** Cosine heads: the fixed logit scale s (the softmax temperature's inverse). */
  readonly scale: number;
  /** Seeds every row's (and the adapter's) initial weights. */
  readonly seed: number;
  readonly optimizer: OptimizerSpec;
  readonly learningRate: number;
  /** Bottleneck width of a residual adapter `h = x + MLP(x)` before the head; 0 for none. @default 0 */
  readonly adapter?: number;
}

/** Names of the adapter's parameters (Houlsby et al. 2019 bottleneck: down, ReLU, up). */
export const ADAPTER_PARAMS = Object.freeze({
  downWeight: 'adapter.down.weight',
  downBias: 'adapter.down.bias',
  upWeight: 'adapter.up.weight',
  upBias: 'adapter.up.bias',
});

/** What {@link BlockHead.snapshot} returns: JSON-safe, parameters apart. */
export interface BlockHeadSnapshot {
  /** Global class of each column, per block. */
  readonly blocks: number[][];
  /** Samples imprinted into each class's row so far (see {@link BlockHead.imprint}). */
  readonly imprinted?: Record<string, number>;
}

/** Keeps normalisation finite for an all-zero row or feature vector. */
const NORM_EPS = 1e-12;
/** Salts of the per-class and adapter initialisation streams (independent of arrival order). */
const ROW_SALT = 0x0b10c;
const ADAPTER_SALT = 0xada;

/**
 * Blocks of class rows with their parameters, train steps over any subset of blocks, and logits
 * over all blocks. Each class's initial row depends only on the seed and the class index, so a
 * head's initialisation does not depend on the order classes arrive in.
 */
export class BlockHead {
  store: ParameterStore;
  private blockClasses: number[][] = [];
  private imprinted: Record<string, number> = {};
  private adapterModel: Model | undefined;
  private runner: { key: string; step: TrainStepRunner } | undefined;
  private logitsModel: Model | undefined;

  constructor(
    private readonly executor: Executor,
    readonly options: BlockHeadOptions,
  ) {
    if (!Number.isInteger(options.inputSize) || options.inputSize <= 0)
      throw new InvalidArgumentError(`inputSize must be a positive integer, got ${options.inputSize}`);
    this.store = new ParameterStore();
    this.initAdapter();
  }

  /** Number of blocks. */
  get blockCount(): number {
    return this.blockClasses.length;
  }

  /** Global class of every column, blocks in order. */
  get columns(): number[] {
    return this.blockClasses.flat();
  }

  /** The classes of block `k`. */
  classesOf(k: number): readonly number[] {
    return this.blockClasses[k] ?? [];
  }

  /** The block holding class `label`, if any. */
  blockOf(label: number): number | undefined {
    const k = this.blockClasses.findIndex((cs) => cs.includes(label));
    return k < 0 ? undefined : k;
  }

  /** Parameter names of block `k`. */
  blockParams(k: number): string[] {
    return this.options.kind === 'linear' ? [`head.b${k}.weight`, `head.b${k}.bias`] : [`head.b${k}.weight`];
  }

  /** Parameter names of the adapter (none without one). */
  adapterParams(): string[] {
    return (this.options.adapter ?? 0) > 0 ? Object.values(ADAPTER_PARAMS) : [];
  }

  /** Appends an empty block and returns its index. */
  addBlock(): number {
    this.blockClasses.push([]);
    this.changed();
    return this.blockClasses.length - 1;
  }

  /**
   * Adds `classes` (those not in block `k` yet) as new columns of block `k`, initialised from the
   * seed and the class index. A grown block's optimizer state starts afresh.
   */
  grow(k: number, classes: Iterable<number>): void {
    const block = this.blockClasses[k];
    if (block === undefined) throw new InvalidArgumentError(`block ${k} does not exist (the head has ${this.blockCount})`);
    const added = [...new Set(classes)].filter((c) => !block.includes(c));
    if (added.length === 0) return;
    const d = this.options.inputSize;
    const n = block.length + added.length;
    const [wName, bName] = this.blockParams(k);
    const w = new Float32Array(d * n);
    const bias = new Float32Array(n);
    if (block.length > 0) {
      const old = this.store.get(wName!).data;
      for (let i = 0; i < d; i++) w.set(old.subarray(i * block.length, (i + 1) * block.length), i * n);
      if (bName !== undefined) bias.set(this.store.get(bName).data);
    }
    const bound = 1 / Math.sqrt(d);
    added.forEach((c, j) => {
      // nn.Linear's default init, drawn per class so the order classes arrive in does not matter.
      const rng = Rng.seeded((this.options.seed * 7919 + c * 104729) ^ ROW_SALT);
      for (let i = 0; i < d; i++) w[i * n + block.length + j] = rng.uniform(-bound, bound);
      bias[block.length + j] = rng.uniform(-bound, bound);
    });
    this.store.set(wName!, tensor('float32', [d, n], w));
    if (bName !== undefined) this.store.set(bName, tensor('float32', [n], bias));
    block.push(...added);
    this.changed();
  }

  /** Drops optimizer state and the update count (a fresh optimizer, e.g. per experience). */
  resetOptimizer(): void {
    this.store.resetState();
    this.runner = undefined;
  }

  /**
   * One optimizer step of cross-entropy over the columns of `blocks` (in that order), updating
   * only `trainable`. Every label must be a class of those blocks. Returns the loss before the step.
   */
  async train(features: Float32Array, labels: Int32Array, blocks: readonly number[], trainable: readonly string[]): Promise<number> {
    const d = this.options.inputSize;
    const n = checkFeatures(features, d, labels.length);
    const cols = blocks.flatMap((k) => this.blockClasses[k] ?? []);
    const index = new Map(cols.map((c, i) => [c, i]));
    const targets = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const col = index.get(labels[i]!);
      if (col === undefined)
        throw new InvalidArgumentError(`label ${labels[i]} of sample ${i} is not a class of head blocks [${blocks.join(', ')}]`);
      targets[i] = col;
    }
    // Frozen parameters are baked into the compiled step, so a step is rebuilt whenever the set of
    // blocks or trainables changes (only the active step moves parameters, so the bake stays true).
    const key = `${blocks.join(',')}|${trainable.join(',')}`;
    if (this.runner?.key !== key) {
      const model = withCrossEntropyLoss(this.buildLogits(blocks));
      this.runner = {
        key,
        step: this.executor.trainStep({
          model,
          loss: CLASSIFIER_IO.loss,
          store: this.store,
          optimizer: this.options.optimizer,
          lr: this.options.learningRate,
          trainable,
        }),
      };
    }
    const result = await this.runner.step.step({
      [CLASSIFIER_IO.input]: tensor('float32', [n, d], features),
      [CLASSIFIER_IO.labels]: tensor('int64', [n], int64FromInt32(targets)),
    });
    return result.loss;
  }

  /** Logits `count × columns` over every block (see {@link columns}); empty with no block. */
  async logits(features: Float32Array): Promise<Float32Array> {
    const d = this.options.inputSize;
    const n = checkFeatures(features, d);
    const width = this.columns.length;
    if (width === 0) return new Float32Array(0);
    this.logitsModel ??= this.buildLogits(this.blockClasses.map((_, k) => k));
    return forwardInChunks(this.executor, this.logitsModel, this.store, features, n, d, width, (r) => r[CLASSIFIER_IO.logits]!);
  }

  /** The global class of the highest logit over every block's columns, per row (−1 before any class has a row). */
  async predict(features: Float32Array): Promise<Int32Array> {
    const logits = await this.logits(features);
    const columns = this.columns;
    const n = columns.length === 0 ? features.length / this.options.inputSize : logits.length / columns.length;
    // Before any class has a row no class can be predicted.
    if (columns.length === 0) return noClass(n);
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < columns.length; c++) if (logits[r * columns.length + c]! > logits[r * columns.length + best]!) best = c;
      out[r] = columns[best]!;
    }
    return out;
  }

  /**
   * Gives the classes of `classes` that have no row yet a row in the block of `experience`
   * (`blockExperience[k]` is block k's experience), opening that block — with a fresh optimizer
   * state — at the experience's first new class.
   */
  openExperienceBlock(blockExperience: number[], experience: number, classes: Iterable<number>): void {
    const fresh = [...classes].filter((c) => this.blockOf(c) === undefined);
    if (fresh.length === 0) return;
    let k = blockExperience.indexOf(experience);
    if (k < 0) {
      k = this.addBlock();
      blockExperience.push(experience);
      this.resetOptimizer();
    }
    this.grow(k, fresh);
  }

  /**
   * Weight imprinting (Qi et al. 2018): adds each sample's normalised adapter output to its class's
   * row, so a cosine row is the direction of its class's mean — no gradient step. A class's random
   * initial row is dropped at its first imprinted sample. Every label must have a row.
   */
  async imprint(features: Float32Array, labels: Int32Array): Promise<void> {
    const d = this.options.inputSize;
    checkFeatures(features, d, labels.length);
    const missing = labels.findIndex((label) => this.blockOf(label) === undefined);
    if (missing >= 0) throw new InvalidArgumentError(`label ${labels[missing]} of sample ${missing} has no row in the head`);
    const h = await this.embed(features);
    const updated = new Map<string, Float32Array>();
    labels.forEach((label, i) => {
      const k = this.blockOf(label)!;
      const name = this.blockParams(k)[0]!;
      const n = this.classesOf(k).length;
      const j = this.classesOf(k).indexOf(label);
      let data = updated.get(name);
      if (data === undefined) {
        data = Float32Array.from(this.store.get(name).data);
        updated.set(name, data);
      }
      if ((this.imprinted[label] ?? 0) === 0) for (let r = 0; r < d; r++) data[r * n + j] = 0;
      const x = h.subarray(i * d, (i + 1) * d);
      const norm = Math.sqrt(x.reduce((a, v) => a + v * v, 0)) || 1;
      for (let r = 0; r < d; r++) data[r * n + j]! += x[r]! / norm;
      this.imprinted[label] = (this.imprinted[label] ?? 0) + 1;
    });
    for (const [name, data] of updated) this.store.set(name, tensor('float32', [...this.store.get(name).shape], data));
    // Imprinted rows are not moved by a train step: compiled steps that bake them are stale.
    this.runner = undefined;
  }

  /** The adapter's output for `features` (a copy of them without an adapter). */
  async embed(features: Float32Array): Promise<Float32Array> {
    const d = this.options.inputSize;
    const n = checkFeatures(features, d);
    if (this.adapterParams().length === 0) return features.slice();
    if (this.adapterModel === undefined) {
      const b = new GraphBuilder({ name: 'adapter' });
      const x = b.input(CLASSIFIER_IO.input, 'float32', ['batch', d]);
      const h = b.identity(this.appendAdapter(b, [x])[0]!);
      b.output(h, 'float32', ['batch', d]);
      this.adapterModel = b.build();
    }
    const adapterStore = new ParameterStore();
    for (const name of this.adapterParams()) adapterStore.set(name, this.store.get(name));
    return forwardInChunks(this.executor, this.adapterModel, adapterStore, features, n, d, d, (r) => Object.values(r)[0]!);
  }

  /** The block layout, for save. */
  snapshot(): BlockHeadSnapshot {
    return { blocks: this.blockClasses.map((b) => [...b]), imprinted: { ...this.imprinted } };
  }

  /**
   * Replaces parameters and layout (copies of both); the store must hold every block's parameters.
   *
   * @throws InvalidArgumentError when the snapshot and the store do not match (nothing changes then)
   */
  restore(store: ParameterStore, snapshot: BlockHeadSnapshot): void {
    const blocks = snapshot.blocks;
    if (!Array.isArray(blocks) || !blocks.every((b) => Array.isArray(b) && b.every((c) => Number.isInteger(c) && c >= 0))) {
      throw new InvalidArgumentError('a head snapshot must list each block as an array of class indices');
    }
    const d = this.options.inputSize;
    const problems = blocks.flatMap((b, k) =>
      b.length === 0
        ? []
        : this.blockParams(k).flatMap((name) => {
            if (!store.has(name)) return [`parameter '${name}' of block ${k} is missing`];
            const expected = name.endsWith('weight') ? [d, b.length] : [b.length];
            const shape = store.get(name).shape;
            return shape.join('x') === expected.join('x')
              ? []
              : [`parameter '${name}' is [${shape.join(', ')}], expected [${expected.join(', ')}]`];
          }),
    );
    for (const name of this.adapterParams()) if (!store.has(name)) problems.push(`adapter parameter '${name}' is missing`);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    this.store = store.clone();
    this.blockClasses = blocks.map((b) => [...b]);
    this.imprinted = { ...snapshot.imprinted };
    this.changed();
  }

  /** Builds the logits graph `x → [adapter] → blocks (concatenated)` with the store's current values. */
  buildLogits(blocks: readonly number[]): Model {
    const d = this.options.inputSize;
    const b = new GraphBuilder({ name: `block-head-${this.options.kind}` });
    const x = b.input(CLASSIFIER_IO.input, 'float32', ['batch', d]);
    let h = this.appendAdapter(b, [x])[0]!;
    if (this.options.kind === 'cosine') h = l2Normalize(b, h, 1);
    const parts = blocks
      .filter((k) => (this.blockClasses[k]?.length ?? 0) > 0)
      .map((k) => {
        const names = this.blockParams(k);
        for (const name of names) b.initializer(name, this.initializerOf(name));
        if (this.options.kind === 'linear') return b.gemm(h, names[0]!, names[1]);
        return b.mul(b.matMul(h, l2Normalize(b, names[0]!, 0)), b.scalar(this.options.scale));
      });
    const width = blocks.reduce((s, k) => s + (this.blockClasses[k]?.length ?? 0), 0);
    if (parts.length === 0) throw new InvalidArgumentError('a head graph needs at least one block');
    b.op(parts.length === 1 ? 'Identity' : 'Concat', parts, parts.length === 1 ? {} : { axis: Attr.int(1) }, {
      outputs: [CLASSIFIER_IO.logits],
    });
    b.output(CLASSIFIER_IO.logits, 'float32', ['batch', width]);
    return b.build();
  }

  /**
   * Adds the adapter's initializers (current values) to `b` and applies it to each of `inputs`
   * (sharing the weights); returns the inputs unchanged without an adapter.
   */
  appendAdapter(b: GraphBuilder, inputs: readonly string[]): string[] {
    if (this.adapterParams().length === 0) return [...inputs];
    for (const name of this.adapterParams()) b.initializer(name, this.initializerOf(name));
    return inputs.map((x) => {
      const down = b.relu(b.gemm(x, ADAPTER_PARAMS.downWeight, ADAPTER_PARAMS.downBias));
      return b.add(x, b.gemm(down, ADAPTER_PARAMS.upWeight, ADAPTER_PARAMS.upBias));
    });
  }

  private initializerOf(name: string) {
    const t = this.store.get(name);
    return createTensor('float32', [...t.shape], Float32Array.from(t.data));
  }

  private initAdapter(): void {
    const r = this.options.adapter ?? 0;
    if (r === 0) return;
    if (!Number.isInteger(r) || r < 0) throw new InvalidArgumentError(`the adapter bottleneck must be a non-negative integer, got ${r}`);
    const d = this.options.inputSize;
    const rng = Rng.seeded(this.options.seed ^ ADAPTER_SALT);
    const bound = 1 / Math.sqrt(d);
    this.store.set(
      ADAPTER_PARAMS.downWeight,
      tensor(
        'float32',
        [d, r],
        Float32Array.from({ length: d * r }, () => rng.uniform(-bound, bound)),
      ),
    );
    this.store.set(
      ADAPTER_PARAMS.downBias,
      tensor(
        'float32',
        [r],
        Float32Array.from({ length: r }, () => rng.uniform(-bound, bound)),
      ),
    );
    // Zero-initialised up-projection (Houlsby et al. 2019): the adapter starts as the identity.
    this.store.set(ADAPTER_PARAMS.upWeight, tensor('float32', [r, d], new Float32Array(r * d)));
    this.store.set(ADAPTER_PARAMS.upBias, tensor('float32', [d], new Float32Array(d)));
  }

  /** Forgets compiled steps and graphs; call after changing parameters outside {@link train}. */
  invalidate(): void {
    this.changed();
  }

  private changed(): void {
    this.runner = undefined;
    this.logitsModel = undefined;
    this.adapterModel = undefined;
  }
}

/** `v / sqrt(Σ v² + ε)` along `axis` (kept), written in differentiable ops. */
export function l2Normalize(b: GraphBuilder, v: string, axis: number): string {
  const norm = b.sqrt(b.add(b.reduceSum(b.mul(v, v), [axis], true), b.scalar(NORM_EPS)));
  return b.div(v, norm);
}

/** Softmax of each row of a `rows × width` matrix restricted to columns [from, to): max prob and its column. */
export function blockSoftmaxMax(
  logits: Float32Array,
  width: number,
  row: number,
  from: number,
  to: number,
): { prob: number; column: number } {
  let best = from;
  for (let c = from; c < to; c++) if (logits[row * width + c]! > logits[row * width + best]!) best = c;
  const top = logits[row * width + best]!;
  let sum = 0;
  for (let c = from; c < to; c++) sum += Math.exp(logits[row * width + c]! - top);
  return { prob: 1 / sum, column: best };
}
