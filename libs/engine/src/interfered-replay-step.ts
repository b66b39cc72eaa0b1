import { appendGradients } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import {
  type Float32Tensor,
  type InterferedReplayStepResult,
  type InterferedReplayStepRunner,
  type InterferedReplayStepSpec,
} from '@mneme/execution';
import { Attr, createGraph, GraphBuilder, type Model } from '@mneme/graph';
import { scalar, type Tensor } from '@mneme/tensor';
import { inputSpecs, type Engine, type GraphOptimizationLevel } from './engine.js';
import { EngineError } from './engine-error.js';
import { appendVirtualUpdate, candidateInput, incomingInput, instanceValue, modelInstance } from './model-instances.js';
import { bindDims, buildWithOutputs, dimsKey, named, prepareTraining } from './model-preparation.js';
import { appendOptimizerUpdate, type OptimizerScalars, type OptimizerUpdate } from './optimizers.js';
import { isPlainSgd } from './sgd-update.js';

/** Options of {@link InterferedReplayStep.create}: the executor's spec plus engine settings. */
export interface InterferedReplayStepOptions extends InterferedReplayStepSpec {
  /** Graph optimisation for the step graph. @default the engine's setting */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

/** The fetch names of one compiled step graph. */
interface CompiledStep {
  model: Model;
  loss: string;
  chosen: string;
  scores: string;
  params: Map<string, string>;
  state: Map<string, Record<string, string>>;
  /** Whether the graph reads the update number (Adam's bias correction; plain SGD has no step input). */
  readsStep: boolean;
}

const LR_INPUT = 'mir/lr';
const STEP_INPUT = 'mir/step';
const stateInput = (param: string, slot: string): string => `mir/state/${param}/${slot}`;

/**
 * ER-MIR's step (Aljundi et al., "Online Continual Learning with Maximally Interfered Retrieval",
 * NeurIPS 2019) as one ONNX graph, so each step is one `session.run`:
 * 1. the gradient of mean loss(incoming) at w and the virtual weights w′ = w − lr·∇L_in(w);
 * 2. each candidate's interference loss(w′) − loss(w), in float64 as the two-step path computes it
 *    in JavaScript, so ties and near-ties order alike;
 * 3. TopK (largest first, ties to the lower position, as `topK` of libs/methods) and Gather
 *    of the chosen candidate rows;
 * 4. the optimizer update with ∇L_in(w) + ∇L_rep(w), the gradient of mean loss(incoming) + mean
 *    loss(replay): the incoming gradient is the virtual step's, so only the replayed rows are
 *    differentiated again.
 * Every candidate input is gathered on its first (batch) axis. Compiled per incoming shape,
 * candidate shape and k.
 */
export class InterferedReplayStep implements InterferedReplayStepRunner {
  private readonly compiled = new Map<string, CompiledStep>();
  private readonly trainable: readonly string[];
  private readonly slots: readonly string[];
  private running = false;

  private constructor(
    private readonly engine: Engine,
    private readonly options: InterferedReplayStepOptions,
  ) {
    ({ trainable: this.trainable, slots: this.slots } = prepareTraining(options));
  }

  /**
   * Checks the options and prepares optimizer state (zeros for missing slots).
   *
   * @throws InvalidArgumentError listing every bad option
   */
  static create(engine: Engine, options: InterferedReplayStepOptions): InterferedReplayStep {
    return new InterferedReplayStep(engine, options);
  }

  /**
   * Scores `candidates`, replays the `topK` most interfered with `incoming` in one update and swaps
   * the new parameters and state into the store. Await each step before starting the next.
   *
   * @throws InvalidArgumentError when a batch does not fit the model's inputs or `topK` is not in 1..candidates
   * @throws EngineError `failed-precondition` when called while a step is still running
   */
  async step(
    incoming: Readonly<Record<string, Tensor>>,
    candidates: Readonly<Record<string, Tensor>>,
    topK: number,
  ): Promise<InterferedReplayStepResult> {
    if (this.running)
      throw new EngineError('failed-precondition', 'an interfered-replay step is already running; await it before starting the next');
    this.running = true;
    try {
      return await this.runStep(incoming, candidates, topK);
    } finally {
      this.running = false;
    }
  }

  private async runStep(
    incoming: Readonly<Record<string, Tensor>>,
    candidates: Readonly<Record<string, Tensor>>,
    topK: number,
  ): Promise<InterferedReplayStepResult> {
    const graph = this.compile(incoming, candidates, topK);
    const store = this.options.store;
    const next = store.step + 1;
    const lr = typeof this.options.lr === 'function' ? this.options.lr(next) : this.options.lr;
    if (!Number.isFinite(lr)) throw new InvalidArgumentError(`learning rate for step ${next} is ${lr}`);
    const feeds: Record<string, Tensor> = { [LR_INPUT]: scalar('float32', lr) };
    if (graph.readsStep) feeds[STEP_INPUT] = scalar('int64', BigInt(next));
    for (const [name, t] of Object.entries(incoming)) feeds[incomingInput(name)] = t;
    for (const [name, t] of Object.entries(candidates)) feeds[candidateInput(name)] = t;
    for (const name of this.trainable) {
      feeds[name] = store.get(name);
      for (const slot of this.slots) feeds[stateInput(name, slot)] = store.getState(name, slot);
    }
    const level = this.options.graphOptimizationLevel;
    const session = await this.engine.session(graph.model, level === undefined ? {} : { graphOptimizationLevel: level });
    const out = await session.run(feeds);
    for (const [name, fetch] of graph.params) store.set(name, out[fetch] as Float32Tensor);
    for (const [name, slots] of graph.state)
      for (const [slot, fetch] of Object.entries(slots)) store.setState(name, slot, out[fetch] as Float32Tensor);
    store.step = next;
    return {
      loss: Number(out[graph.loss]!.data[0]),
      chosen: Array.from(out[graph.chosen]!.data as BigInt64Array, Number),
      scores: Array.from(out[graph.scores]!.data as Float64Array),
      step: next,
    };
  }

  private compile(incoming: Readonly<Record<string, Tensor>>, candidates: Readonly<Record<string, Tensor>>, topK: number): CompiledStep {
    const { model, loss, perSampleLoss, optimizer } = this.options;
    const plain = isPlainSgd(optimizer);
    const lifted = new Set(this.trainable);
    const incomingDims = bindDims(model, incoming, lifted);
    const candidateDims = bindDims(model, candidates, lifted);
    const batchDims = this.batchDims();
    const pool = Math.min(...Object.values(candidates).map((t) => t.shape[0] ?? 0));
    if (!Number.isInteger(topK) || topK < 1 || topK > pool)
      throw new InvalidArgumentError(`topK must be an integer in 1..${pool} (the candidates), got ${topK}`);
    const key = `${dimsKey(incomingDims)}|${dimsKey(candidateDims)}|${topK}`;
    const hit = this.compiled.get(key);
    if (hit !== undefined) return hit;

    // An empty graph that keeps the model's opset imports.
    const b = new GraphBuilder({ extend: { ...model, graph: createGraph('interfered_replay_step') } });
    const lr = b.input(LR_INPUT, 'float32', []);
    // 1. The virtual step, and the candidates' losses at w and w′.
    const { shared, moved, incomingLoss, incomingGrads, before, after } = appendVirtualUpdate(
      b,
      { model, loss, perSampleLoss, trainable: this.trainable, lr },
      incomingDims,
      candidateDims,
    );

    // 2. Interference, in float64 (exact for a difference of two float32 values).
    const interference = b.sub(b.cast(after, 'float64'), b.cast(before, 'float64'));

    // 3. The k most interfered candidates; ONNX TopK breaks ties by the lower index.
    const [scores, chosen] = b.op(
      'TopK',
      [interference, b.ints([topK])],
      { axis: Attr.int(0), largest: Attr.int(1), sorted: Attr.int(1) },
      { outputs: 2 },
    );
    const replayBindings = new Map(shared);
    for (const spec of inputSpecs(model)) {
      if (!lifted.has(spec.name) && !spec.optional) replayBindings.set(spec.name, b.gather(candidateInput(spec.name), chosen!, 0));
    }
    const replayDims = { ...candidateDims, ...Object.fromEntries(batchDims.map((d) => [d, topK])) };
    const replay = modelInstance(b, model, replayDims, replayBindings, candidateInput, 'replay/');
    const replayLoss = instanceValue(replay, loss, 'loss', model);

    // 4. One update on mean loss(incoming) + mean loss(replay).
    const update = plain
      ? this.plainSgdUpdate(b, lr, moved, replayLoss)
      : this.optimizerUpdate(b, { lr, step: b.input(STEP_INPUT, 'int64', []) }, incomingGrads, replayLoss);
    const compiled: CompiledStep = {
      model: undefined as unknown as Model,
      loss: named(b, b.add(incomingLoss, replayLoss), 'mir/loss'),
      chosen: named(b, chosen!, 'mir/chosen'),
      scores: named(b, scores!, 'mir/scores'),
      params: new Map([...update.params].map(([n, v]) => [n, named(b, v, `mir/next/${n}`)])),
      readsStep: !plain,
      state: new Map(
        [...update.state].map(([n, slots]) => [
          n,
          Object.fromEntries(Object.entries(slots).map(([s, v]) => [s, named(b, v, `mir/next/${n}/${s}`)])),
        ]),
      ),
    };
    compiled.model = buildWithOutputs(b, [
      compiled.loss,
      compiled.chosen,
      compiled.scores,
      ...compiled.params.values(),
      ...[...compiled.state.values()].flatMap((s) => Object.values(s)),
    ]);
    this.compiled.set(key, compiled);
    return compiled;
  }

  /**
   * Plain SGD's update, w − lr·(∇L_in + ∇L_rep) = w′ − lr·∇L_rep: it starts from the virtual
   * weights, and lr seeds the replay backward pass (scaling its small cotangents rather than the
   * weight-sized gradients), so each weight is passed over twice less than by the general update.
   */
  private plainSgdUpdate(b: GraphBuilder, lr: string, moved: ReadonlyMap<string, string>, replayLoss: string): OptimizerUpdate {
    const scaled = appendGradients(b, { cotangents: new Map([[replayLoss, lr]]), wrt: this.trainable });
    const params = new Map(this.trainable.map((name) => [name, b.sub(moved.get(name)!, scaled.get(name)!)]));
    return { params, state: new Map(this.trainable.map((name) => [name, {}])), gradNorm: undefined };
  }

  /** The optimizer's update with the gradient ∇L_in + ∇L_rep. */
  private optimizerUpdate(
    b: GraphBuilder,
    scalars: OptimizerScalars,
    incomingGrads: ReadonlyMap<string, string>,
    replayLoss: string,
  ): OptimizerUpdate {
    const replayGrads = appendGradients(b, { loss: replayLoss, wrt: this.trainable });
    const initializers = this.options.model.graph.initializers;
    const params = this.trainable.map((name) => ({
      name,
      grad: b.add(incomingGrads.get(name)!, replayGrads.get(name)!),
      state: Object.fromEntries(
        this.slots.map((slot) => [slot, b.input(stateInput(name, slot), 'float32', [...initializers.get(name)!.shape])]),
      ),
    }));
    return appendOptimizerUpdate(b, this.options.optimizer, scalars, params);
  }

  /**
   * The symbolic dims on the first axis of the model's batch inputs, which replay rebinds to k.
   *
   * @throws InvalidArgumentError when a batch input has a fixed first axis (it could not be gathered)
   */
  private batchDims(): string[] {
    const lifted = new Set(this.trainable);
    const dims = new Set<string>();
    const fixed: string[] = [];
    for (const spec of inputSpecs(this.options.model)) {
      if (lifted.has(spec.name) || spec.optional) continue;
      const first = spec.shape?.[0];
      if (typeof first === 'string' && first !== '') dims.add(first);
      else fixed.push(`input '${spec.name}' has no symbolic batch axis to gather candidates on`);
    }
    if (fixed.length > 0) throw new InvalidArgumentError(fixed);
    return [...dims];
  }
}
