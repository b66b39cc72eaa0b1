import { InvalidArgumentError } from '@mneme/errors';
import { createGraph, GraphBuilder, type Model } from '@mneme/graph';
import { scalar, type Tensor } from '@mneme/tensor';
import { type Engine, type GraphOptimizationLevel } from './engine.js';
import { bindDims, buildWithOutputs, dimsKey, named, trainableProblems } from './model-preparation.js';
import { appendVirtualUpdate, candidateInput, incomingInput } from './model-instances.js';
import { type VirtualStepResult, type VirtualStepRunner, type VirtualStepSpec } from '@mneme/execution';

/** Options of {@link VirtualStep.create}. */
export interface VirtualStepOptions extends VirtualStepSpec {
  /** Graph optimisation for the virtual-step graph. @default the engine's setting */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

interface CompiledVirtualStep {
  model: Model;
  incomingLoss: string;
  before: string;
  after: string;
}

const LR_INPUT = 'virtual/lr';

/**
 * The virtual step of MIR (Aljundi et al., "Online Continual Learning with Maximally Interfered
 * Retrieval", NeurIPS 2019): the per-sample losses of candidate samples before and after a
 * hypothetical SGD step on the incoming batch, computed in one graph and committing nothing. The
 * forward model is instantiated three times (incoming at w, candidates at w and at w′) by inlining;
 * frozen weights are shared by the instances, not copied.
 */
export class VirtualStep implements VirtualStepRunner {
  private readonly compiled = new Map<string, CompiledVirtualStep>();
  private readonly trainable: readonly string[];

  private constructor(
    private readonly engine: Engine,
    private readonly options: VirtualStepOptions,
  ) {
    this.trainable = options.trainable ?? options.store.names();
    const problems = trainableProblems(options.model, options.store, this.trainable, { float32: false });
    if (this.trainable.length === 0) problems.push('nothing to update: the store is empty and no trainable names were given');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
  }

  /**
   * Checks the options.
   *
   * @throws InvalidArgumentError listing every bad option
   */
  static create(engine: Engine, options: VirtualStepOptions): VirtualStep {
    return new VirtualStep(engine, options);
  }

  /**
   * Candidate losses before and after a virtual step of size `lr` on `incoming`.
   *
   * @param incoming the incoming batch, by model input name
   * @param candidates the candidate (memory) samples, by model input name
   * @throws InvalidArgumentError when either batch does not fit the model's inputs
   */
  async run(
    incoming: Readonly<Record<string, Tensor>>,
    candidates: Readonly<Record<string, Tensor>>,
    lr: number,
  ): Promise<VirtualStepResult> {
    if (!Number.isFinite(lr)) throw new InvalidArgumentError(`virtual step lr must be finite, got ${lr}`);
    const lifted = new Set(this.trainable);
    const incomingDims = bindDims(this.options.model, incoming, lifted);
    const candidateDims = bindDims(this.options.model, candidates, lifted);
    const graph = this.compile(incomingDims, candidateDims);
    const feeds: Record<string, Tensor> = { [LR_INPUT]: scalar('float32', lr) };
    for (const [name, t] of Object.entries(incoming)) feeds[incomingInput(name)] = t;
    for (const [name, t] of Object.entries(candidates)) feeds[candidateInput(name)] = t;
    for (const name of this.trainable) feeds[name] = this.options.store.get(name);
    const level = this.options.graphOptimizationLevel;
    const session = await this.engine.session(graph.model, level === undefined ? {} : { graphOptimizationLevel: level });
    const out = await session.run(feeds);
    return {
      incomingLoss: Number(out[graph.incomingLoss]!.data[0]),
      before: out[graph.before]!.data as Float32Array,
      after: out[graph.after]!.data as Float32Array,
    };
  }

  private compile(incomingDims: Record<string, number>, candidateDims: Record<string, number>): CompiledVirtualStep {
    const key = `${dimsKey(incomingDims)}|${dimsKey(candidateDims)}`;
    const hit = this.compiled.get(key);
    if (hit !== undefined) return hit;
    const { model, loss, perSampleLoss } = this.options;
    // An empty graph that keeps the model's opset imports.
    const b = new GraphBuilder({ extend: { ...model, graph: createGraph('virtual_step') } });
    const lr = b.input(LR_INPUT, 'float32', []);
    const { incomingLoss, before, after } = appendVirtualUpdate(
      b,
      { model, loss, perSampleLoss, trainable: this.trainable, lr },
      incomingDims,
      candidateDims,
    );
    const outputs = {
      incomingLoss: named(b, incomingLoss, 'virtual/incoming_loss'),
      before: named(b, before, 'virtual/before'),
      after: named(b, after, 'virtual/after'),
    };
    const compiled = { model: buildWithOutputs(b, Object.values(outputs)), ...outputs };
    this.compiled.set(key, compiled);
    return compiled;
  }
}
