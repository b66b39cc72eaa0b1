import { appendGradients } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import { GraphBuilder, type Model } from '@mneme/graph';
import { scalar, type Tensor } from '@mneme/tensor';
import { type CompiledSession } from './compiled-session.js';
import { type Engine, type GraphOptimizationLevel } from './engine.js';
import { EngineError } from './engine-error.js';
import { bindDims, buildWithOutputs, dimsKey, liftInitializers, named, prepareTraining, specializeModel } from './model-preparation.js';
import { appendOptimizerUpdate } from './optimizers.js';
import { appendScaledSgdUpdate, isPlainSgd } from './sgd-update.js';
import { type Float32Tensor, type TrainStepResult, type TrainStepRunner, type TrainStepSpec } from '@mneme/execution';

/** Options of {@link TrainStep.create}: the executor's spec plus engine settings. */
export interface TrainStepOptions extends TrainStepSpec {
  /** Graph optimisation for the train graph. @default the engine's setting */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

/** The fetch names of one compiled train graph. */
interface CompiledTrainGraph {
  model: Model;
  loss: string;
  gradNorm: string | undefined;
  params: Map<string, string>;
  state: Map<string, Record<string, string>>;
  keep: Map<string, string>;
  /** Its session, once created (looked up again if the engine's cache released it). */
  session?: CompiledSession;
}

const LR_INPUT = 'train/lr';
const STEP_INPUT = 'train/step';
const stateInput = (param: string, slot: string): string => `train/state/${param}/${slot}`;

/**
 * A fused train step: forward, backward (via @mneme/autodiff) and the optimizer update in one
 * ONNX graph, so each step is one `session.run`. Parameters and state are fed from the store and
 * the updated tensors swapped back in. Compiled once per batch shape (symbolic dims are bound from
 * the batch and specialised), then served from the engine's session cache.
 *
 * Feeding costs no copy (ORT reads the store's buffers in place). The updated tensors are fresh
 * buffers each step: onnxruntime-node (1.30) copies every output into a new ArrayBuffer even when
 * given a preallocated one (it writes the preallocated buffer, then copies it out), so reusing
 * double buffers was measured slower, not faster, and is not done. With plain SGD the update runs
 * inside the gradient GEMMs ({@link appendScaledSgdUpdate}).
 */
export class TrainStep implements TrainStepRunner {
  private readonly compiled = new Map<string, CompiledTrainGraph>();
  private readonly trainable: readonly string[];
  private readonly slots: readonly string[];
  private running = false;

  private constructor(
    private readonly engine: Engine,
    private readonly options: TrainStepOptions,
  ) {
    ({ trainable: this.trainable, slots: this.slots } = prepareTraining(options));
  }

  /**
   * Checks the options and prepares optimizer state (zeros for missing slots).
   *
   * @throws InvalidArgumentError listing every bad option
   */
  static create(engine: Engine, options: TrainStepOptions): TrainStep {
    return new TrainStep(engine, options);
  }

  /**
   * The train graph for a batch of this shape (compiled on first use); exposed for inspection.
   *
   * @throws InvalidArgumentError when the batch does not fit the model's inputs
   */
  graphFor(batch: Readonly<Record<string, Tensor>>): Model {
    return this.compile(batch).model;
  }

  /**
   * Runs one update on `batch` and swaps the new parameters and state into the store. Steps are
   * sequential by nature: await each before starting the next.
   *
   * @throws InvalidArgumentError when the batch does not fit the model's inputs
   * @throws EngineError `failed-precondition` when called while a step is still running
   */
  async step(batch: Readonly<Record<string, Tensor>>): Promise<TrainStepResult> {
    if (this.running) throw new EngineError('failed-precondition', 'a train step is already running; await it before starting the next');
    this.running = true;
    try {
      return await this.runStep(batch);
    } finally {
      this.running = false;
    }
  }

  private async runStep(batch: Readonly<Record<string, Tensor>>): Promise<TrainStepResult> {
    const graph = this.compile(batch);
    const store = this.options.store;
    const next = store.step + 1;
    const lr = typeof this.options.lr === 'function' ? this.options.lr(next) : this.options.lr;
    if (!Number.isFinite(lr)) throw new InvalidArgumentError(`learning rate for step ${next} is ${lr}`);
    const feeds: Record<string, Tensor> = { ...batch, [LR_INPUT]: scalar('float32', lr), [STEP_INPUT]: scalar('int64', BigInt(next)) };
    for (const name of this.trainable) {
      feeds[name] = store.get(name);
      for (const slot of this.slots) feeds[stateInput(name, slot)] = store.getState(name, slot);
    }
    // The session is kept with its graph: looking it up hashes the input shapes on every step.
    if (graph.session === undefined || graph.session.isReleased)
      graph.session = await this.engine.session(graph.model, this.sessionOptions());
    const session = graph.session;
    const out = await session.run(feeds);
    for (const [name, fetch] of graph.params) store.set(name, out[fetch] as Float32Tensor);
    for (const [name, slots] of graph.state)
      for (const [slot, fetch] of Object.entries(slots)) store.setState(name, slot, out[fetch] as Float32Tensor);
    store.step = next;
    const outputs: Record<string, Tensor> = {};
    for (const [name, fetch] of graph.keep) outputs[name] = out[fetch]!;
    return {
      loss: Number(out[graph.loss]!.data[0]),
      gradNorm: graph.gradNorm === undefined ? undefined : Number(out[graph.gradNorm]!.data[0]),
      step: next,
      outputs,
    };
  }

  private sessionOptions(): { graphOptimizationLevel?: GraphOptimizationLevel } {
    const level = this.options.graphOptimizationLevel;
    return level === undefined ? {} : { graphOptimizationLevel: level };
  }

  private compile(batch: Readonly<Record<string, Tensor>>): CompiledTrainGraph {
    const { model, loss, optimizer } = this.options;
    const dims = bindDims(model, batch, new Set(this.trainable));
    const key = dimsKey(dims);
    const hit = this.compiled.get(key);
    if (hit !== undefined) return hit;

    const b = GraphBuilder.from(liftInitializers(specializeModel(model, dims), this.trainable));
    const lr = b.input(LR_INPUT, 'float32', []);
    const step = b.input(STEP_INPUT, 'int64', []);
    // Plain SGD seeds the backward pass with lr (gradients come out as lr·∇) so the update fuses into
    // the gradient GEMMs; see appendScaledSgdUpdate.
    const plainSgd = isPlainSgd(optimizer);
    const seed = plainSgd ? { cotangents: new Map([[loss, b.op('Expand', [lr, b.op('Shape', [loss])])]]) } : { loss };
    const grads = appendGradients(b, { ...seed, wrt: this.trainable });
    const shapes = new Map(this.trainable.map((n) => [n, [...model.graph.initializers.get(n)!.shape]]));
    const params = this.trainable.map((name) => ({
      name,
      grad: grads.get(name)!,
      state: Object.fromEntries(this.slots.map((slot) => [slot, b.input(stateInput(name, slot), 'float32', shapes.get(name)!)])),
    }));
    const update = plainSgd
      ? { params: appendScaledSgdUpdate(b, params), state: new Map(this.trainable.map((n) => [n, {}])), gradNorm: undefined }
      : appendOptimizerUpdate(b, optimizer, { lr, step }, params);
    const compiled: CompiledTrainGraph = {
      model: undefined as unknown as Model,
      loss: named(b, loss, 'train/loss'),
      gradNorm: update.gradNorm === undefined ? undefined : named(b, update.gradNorm, 'train/grad_norm'),
      params: new Map([...update.params].map(([n, v]) => [n, named(b, v, `train/next/${n}`)])),
      state: new Map(
        [...update.state].map(([n, slots]) => [
          n,
          Object.fromEntries(Object.entries(slots).map(([s, v]) => [s, named(b, v, `train/next/${n}/${s}`)])),
        ]),
      ),
      keep: new Map((this.options.keepOutputs ?? []).map((k) => [k, named(b, k, `train/keep/${k}`)])),
    };
    const fetches = [
      compiled.loss,
      ...(compiled.gradNorm === undefined ? [] : [compiled.gradNorm]),
      ...compiled.params.values(),
      ...[...compiled.state.values()].flatMap((s) => Object.values(s)),
      ...compiled.keep.values(),
    ];
    compiled.model = buildWithOutputs(b, fetches);
    this.compiled.set(key, compiled);
    return compiled;
  }
}
