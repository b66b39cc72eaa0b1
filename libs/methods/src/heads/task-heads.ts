/**
 * One head per task on a frozen encoder: the multi-head baseline of task-incremental learning
 * (Li & Hoiem 2016, "Learning without Forgetting", ECCV, keep a task-specific head per task; the
 * "multi-head" setting of van de Ven & Tolias 2019, "Three scenarios for continual learning").
 * Each task's head is its own block of rows with its own softmax, trained only on that task's
 * batches, so learning a task never changes another task's head.
 *
 * Prediction: with a task id (task-incremental) the task's head decides. Without one (the
 * class-incremental protocol hands no task id at test time) every head scores the sample and the
 * head with the highest maximum softmax probability decides — the usual task-inference heuristic
 * (Hendrycks & Gimpel 2017's max-softmax confidence), which is uncalibrated across heads trained
 * apart and is reported as such, not tuned away.
 *
 * A batch's task is its `taskId`, or its experience index when the scenario gives none.
 * Options (`ctx.options`): `head` `cosine` (default) or `linear`; `scale` the cosine logit scale
 * (default 16). The context's `hidden` is not used.
 */
import { blockSoftmaxMax, BlockHead, HEAD_KINDS, type BlockHeadSnapshot } from './block-head.js';
import { savedClassCount } from '../core/class-count.js';
import { noClass } from '../core/classifier.js';
import { choice, defineOptions, number } from '../option-schema.js';
import { checkReplayBatch } from '../replay/replay-trainer.js';
import type { ExperienceInfo, LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyContext, StrategyState } from '../strategy.js';

/** The task heads' defaults. */
export const TASK_HEADS_DEFAULTS = Object.freeze({
  head: 'cosine' as const,
  /** Cosine logit scale s. */
  scale: 16,
});

/** The task heads' options (`--set key=value`). */
export const TASK_HEADS_OPTIONS = defineOptions('task-heads', {
  head: choice(HEAD_KINDS, TASK_HEADS_DEFAULTS.head, 'scaled cosine head or linear head'),
  scale: number(TASK_HEADS_DEFAULTS.scale, { min: 0, exclusiveMin: true }, 'cosine logit scale s'),
});

/**
 * Builds a task-heads learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function taskHeads(ctx: StrategyContext): Strategy {
  const { head: kind, scale } = TASK_HEADS_OPTIONS.read(ctx.options);

  let classes = ctx.classifier.classes;
  const head = new BlockHead(ctx.executor, {
    inputSize: ctx.classifier.inputSize,
    kind,
    scale,
    seed: ctx.seed,
    optimizer: ctx.optimizer,
    learningRate: ctx.learningRate,
  });
  // Task id of each block.
  let blockTask: number[] = [];

  const headOf = (task: number, classes: Iterable<number>): number => {
    let k = blockTask.indexOf(task);
    if (k < 0) {
      k = head.addBlock();
      blockTask.push(task);
      head.resetOptimizer();
    }
    head.grow(k, classes);
    return k;
  };

  return {
    name: 'task-heads',
    beginExperience: (info: ExperienceInfo) => {
      headOf(info.taskId ?? info.index, info.classes);
      return Promise.resolve();
    },
    endExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkReplayBatch(batch, { inputSize: ctx.classifier.inputSize, classes });
      if (batch.labels.length === 0) return undefined;
      const k = headOf(batch.taskId ?? batch.experience, batch.labels);
      return { loss: await head.train(batch.features, batch.labels, [k], head.blockParams(k)) };
    },
    growClasses: (count: number) => {
      classes = Math.max(classes, count);
    },
    classCount: () => classes,
    predict: async (features: Float32Array, options?: PredictOptions) => {
      const logits = await head.logits(features);
      const columns = head.columns;
      const width = columns.length;
      const n = width === 0 ? features.length / ctx.classifier.inputSize : logits.length / width;
      // Before any head exists no class can be predicted.
      if (width === 0) return noClass(n);
      const out = new Int32Array(n);
      // Column range of each non-empty head.
      const ranges: { from: number; to: number; task: number }[] = [];
      let offset = 0;
      blockTask.forEach((task, k) => {
        const size = head.classesOf(k).length;
        if (size > 0) ranges.push({ from: offset, to: offset + size, task });
        offset += size;
      });
      // An unknown task id (a task not learnt yet) falls back to choosing among all heads.
      const given = options?.taskId === undefined ? [] : ranges.filter((r) => r.task === options.taskId);
      const candidates = given.length > 0 ? given : ranges;
      for (let r = 0; r < n; r++) {
        let best = { prob: -1, column: 0 };
        for (const range of candidates) {
          const scored = blockSoftmaxMax(logits, width, r, range.from, range.to);
          if (scored.prob > best.prob) best = scored;
        }
        out[r] = columns[best.column]!;
      }
      return out;
    },
    saveState: (): StrategyState => ({ params: head.store.clone(), data: { head: head.snapshot(), blockTask: [...blockTask], classes } }),
    restoreState: (state: StrategyState) => {
      const saved = savedClassCount(state, ctx.classifier.classes);
      head.restore(state.params, state.data['head'] as BlockHeadSnapshot);
      blockTask = [...(state.data['blockTask'] as number[])];
      classes = saved;
    },
  };
}
