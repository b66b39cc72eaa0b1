/**
 * Maximally Interfered Retrieval (ER-MIR): Aljundi, Caccia, Belilovsky, Caccia, Lin, Charlin and
 * Tuytelaars 2019, "Online Continual Learning with Maximally Interfered Retrieval" (NeurIPS,
 * arXiv:1908.04742). For each incoming batch:
 * 1. draw C random candidates from the memory, leaving out the incoming batch's classes;
 * 2. a virtual SGD step on the incoming batch at the training learning rate, w′ = w − lr·∇L(w);
 * 3. score each candidate by loss(w′) − loss(w), the interference the step would cause;
 * 4. one real step on the incoming batch with the k highest-scoring candidates
 *    (mean loss(incoming) + mean loss(replay), as the reference code);
 * 5. offer the incoming batch to the reservoir memory (each sample once per experience, however
 *    many epochs pass over it).
 * Steps 2–4 run on the engine as one graph where the executor offers it (`interferedReplayStep`:
 * the update reuses the virtual step's incoming gradient, so the incoming batch is differentiated
 * once); elsewhere as a virtual-step graph (forward/backward on the batch, candidates at w and at
 * w′) followed by a replay train step. Either way the weights are never copied in JavaScript and
 * the same candidates are chosen. Retrieval is skipped (plain training on the incoming batch) while
 * fewer than C eligible samples are held, so the graphs are compiled for one candidate shape only.
 *
 * Options (`ctx.options`): `memory` capacity in samples (default 500), `candidates` C (default 50),
 * `topK` k (default 10), `balanced` class-balanced reservoir (default false), `exclude` which
 * memory samples may not be candidates (`classes` of the incoming batch — the default —,
 * its `experience`, as the reference code's `exclude_task`, or `none`).
 */
import { InvalidArgumentError } from '@mneme/errors';
import type { ParameterStore, VirtualStepRunner } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { gatherRows } from '@mneme/tensor';
import { Classifier } from '../core/classifier.js';
import { InterferedReplay, interferenceRunner, mostInterfered } from './interference.js';
import { defineOptions, integer } from '../option-schema.js';
import { balancedReservoirOption, replayExclusionOption, reservoirCapacityOption, RESERVOIR_DEFAULTS } from './replay-options.js';
import { exclusionFilter, ReplayTrainer, type LabelledRows, type ReplayExclusion } from './replay-trainer.js';
import { reservoirReplayStrategy } from './reservoir-replay.js';
import { memoryPortOf } from './memory-port.js';
import type { MemorySample } from './reservoir-memory.js';
import type { LabelledBatch, Strategy, StrategyContext } from '../strategy.js';

/** MIR's defaults: the configuration of the paper's Split-MNIST results at memory 500. */
export const MIR_DEFAULTS = Object.freeze({
  ...RESERVOIR_DEFAULTS,
  /** Random candidates scored per incoming batch (the paper's C). */
  candidates: 50,
  /** Candidates replayed (the paper's k, the replay batch size). */
  topK: 10,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  exclude: 'classes' as ReplayExclusion,
});

/** MIR's options (`--set key=value`). */
export const MIR_OPTIONS = defineOptions('mir', {
  memory: reservoirCapacityOption(MIR_DEFAULTS.memory),
  candidates: integer(MIR_DEFAULTS.candidates, { min: 1 }, 'random memory candidates scored per incoming batch (C)'),
  topK: integer(MIR_DEFAULTS.topK, { min: 1 }, 'most interfered candidates replayed (k ≤ C)'),
  balanced: balancedReservoirOption(MIR_DEFAULTS.balanced),
  exclude: replayExclusionOption(
    MIR_DEFAULTS.exclude,
    "memory samples that may not be candidates: of the incoming batch's classes, of its experience, or none",
  ),
});

/** Offsets the memory's random stream from the weight initialisation's (same run seed). */
const MEMORY_SEED_SALT = 0x3a1d;

const NO_REPLAY: LabelledRows = Object.freeze({ features: new Float32Array(0), labels: new Int32Array(0) });

/**
 * Builds an ER-MIR learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function mir(ctx: StrategyContext): Strategy {
  const { memory: capacity, candidates, topK, balanced, exclude } = MIR_OPTIONS.read(ctx.options);
  if (topK > candidates) throw new InvalidArgumentError(`mir: topK (${topK}) must not exceed candidates (${candidates})`);

  const d = ctx.classifier.inputSize;
  const net = new Classifier(ctx.executor, ctx.classifier, ctx.optimizer, ctx.learningRate, ctx.seed);
  const memory = memoryPortOf(ctx).reservoir({ capacity, inputSize: d, balanced, seed: ctx.seed ^ MEMORY_SEED_SALT });
  const trainer = new ReplayTrainer(ctx.executor, net, ctx.optimizer, ctx.learningRate, d);
  // Bound to the classifier's graph and store; rebuilt when a class arrives or a restore replaces the store.
  let virtual: { runner: VirtualStepRunner; model: Model; store: ParameterStore } | undefined;

  // One graph per step where the executor offers it; otherwise the virtual step then the train step.
  const fused = InterferedReplay.supported(ctx.executor)
    ? new InterferedReplay(ctx.executor, net, ctx.optimizer, ctx.learningRate, d)
    : undefined;

  /** C random eligible candidates, or none while fewer are held. */
  const candidatesFor = (batch: LabelledBatch): MemorySample | undefined => {
    const filter = exclusionFilter(exclude, batch);
    return memory.eligible(filter) < candidates ? undefined : memory.sample(candidates, filter);
  };

  const retrieve = async (batch: LabelledBatch, pool: MemorySample): Promise<LabelledRows> => {
    if (virtual?.model !== net.model || virtual.store !== net.store) {
      virtual = { model: net.model, store: net.store, runner: interferenceRunner(ctx.executor, net.model, net.store) };
    }
    const { chosen } = await mostInterfered(virtual.runner, d, batch, pool, ctx.learningRate, topK);
    return { features: gatherRows(pool.features, d, chosen), labels: Int32Array.from(chosen, (c) => pool.labels[c]!) };
  };

  /** One update; returns its objective before the update. */
  const step = async (batch: LabelledBatch): Promise<number> => {
    const pool = candidatesFor(batch);
    if (pool === undefined) return trainer.step(batch, NO_REPLAY);
    if (fused !== undefined) return (await fused.step(batch, pool, topK)).loss;
    return trainer.step(batch, await retrieve(batch, pool));
  };

  // Boundary-free: candidates are excluded by the incoming batch, not by experience events.
  return reservoirReplayStrategy({ name: 'mir', net, memory, capacity, inputSize: d, step });
}
