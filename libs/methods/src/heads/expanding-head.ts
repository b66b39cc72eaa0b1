/**
 * Expanding head on a frozen encoder (class-incremental): each experience adds output rows for its
 * new classes as a new block; old blocks stay frozen (or keep training, `old=trained`), and the
 * softmax and the prediction run over every class seen so far — classes not seen yet have no row,
 * so they can never win. With the default cosine head (logits = s · normalize(x) · normalize(W),
 * Hou et al. 2019, LUCIR, CVPR) new rows cannot dominate old ones by their norm; Zheng et al. 2024
 * ("Learn or Recall? Revisiting Incremental Learning with Pre-trained Language Models", ACL) show
 * a frozen pre-trained backbone with such a head is a strong replay-free class-incremental baseline.
 * The optimizer starts afresh at each experience (as avalanche does by default): only the new
 * block trains, so old blocks' optimizer state has no use.
 *
 * `rows=mean` sets each cosine row to its class's mean (normalised) feature instead of training it —
 * weight imprinting (Qi et al. 2018, "Low-Shot Learning with Imprinted Weights", CVPR), i.e. the
 * prototype classifier SimpleCIL of Zhou et al. 2023 ("Revisiting Class-Incremental Learning with
 * Pre-Trained Models: Generalizability and Adaptivity are All You Need"): no gradient step at all,
 * and a class's row only moves while its samples arrive.
 *
 * Options (`ctx.options`): `head` `cosine` (default) or `linear`; `scale` the cosine logit scale s
 * (default 16); `old` `frozen` (default) or `trained`; `rows` `trained` (default) or `mean`
 * (cosine only). The context's `hidden` is not used: the head sits directly on the features.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { BlockHead, HEAD_KINDS, type BlockHeadSnapshot } from './block-head.js';
import { savedClassCount } from '../core/class-count.js';
import { choice, defineOptions, number } from '../option-schema.js';
import { checkReplayBatch } from '../replay/replay-trainer.js';
import type { ExperienceInfo, LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyContext, StrategyState } from '../strategy.js';

/** The expanding head's defaults. */
export const EXPANDING_HEAD_DEFAULTS = Object.freeze({
  head: 'cosine' as const,
  /** Cosine logit scale s (LUCIR learns it; a fixed 16 is a common value for normalised heads). */
  scale: 16,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  old: 'frozen' as 'frozen' | 'trained',
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  rows: 'trained' as 'trained' | 'mean',
});

/** The expanding head's options (`--set key=value`). */
export const EXPANDING_HEAD_OPTIONS = defineOptions('expanding-head', {
  head: choice(HEAD_KINDS, EXPANDING_HEAD_DEFAULTS.head, 'scaled cosine head or linear head'),
  scale: number(EXPANDING_HEAD_DEFAULTS.scale, { min: 0, exclusiveMin: true }, 'cosine logit scale s'),
  old: choice(['frozen', 'trained'], EXPANDING_HEAD_DEFAULTS.old, "earlier experiences' rows stay frozen or keep training"),
  rows: choice(['trained', 'mean'], EXPANDING_HEAD_DEFAULTS.rows, 'rows trained, or imprinted as class means (cosine only)'),
});

/**
 * Builds an expanding-head learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function expandingHead(ctx: StrategyContext): Strategy {
  const { head: kind, scale, old, rows } = EXPANDING_HEAD_OPTIONS.read(ctx.options);
  if (rows === 'mean' && kind !== 'cosine')
    throw new InvalidArgumentError('expanding-head: rows=mean needs head=cosine (a class mean is a direction, not an affine score)');

  let classes = ctx.classifier.classes;
  const head = new BlockHead(ctx.executor, {
    inputSize: ctx.classifier.inputSize,
    kind,
    scale,
    seed: ctx.seed,
    optimizer: ctx.optimizer,
    learningRate: ctx.learningRate,
  });
  // Experience index of each block: a block is opened by its experience's first sight of a new class.
  let blockExperience: number[] = [];
  const openBlock = (experience: number, classes: Iterable<number>): void => head.openExperienceBlock(blockExperience, experience, classes);

  return {
    name: 'expanding-head',
    beginExperience: (info: ExperienceInfo) => {
      openBlock(info.index, info.classes);
      return Promise.resolve();
    },
    endExperience: () => Promise.resolve(),
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkReplayBatch(batch, { inputSize: ctx.classifier.inputSize, classes });
      if (batch.labels.length === 0) return undefined;
      // Classes the experience did not announce get rows too (in its block).
      openBlock(batch.experience, batch.labels);
      if (rows === 'mean') {
        await head.imprint(batch.features, batch.labels);
        return undefined;
      }
      const all = Array.from({ length: head.blockCount }, (_, k) => k);
      const current = blockExperience.indexOf(batch.experience);
      const trainable = (old === 'trained' ? all : current < 0 ? [] : [current])
        .filter((k) => head.classesOf(k).length > 0)
        .flatMap((k) => head.blockParams(k));
      // Every class of the batch already has frozen rows: nothing may move.
      if (trainable.length === 0) return undefined;
      return { loss: await head.train(batch.features, batch.labels, all, trainable) };
    },
    growClasses: (count: number) => {
      classes = Math.max(classes, count);
    },
    classCount: () => classes,
    predict: (features: Float32Array, _options?: PredictOptions) => head.predict(features),
    saveState: (): StrategyState => ({
      params: head.store.clone(),
      data: { head: head.snapshot(), blockExperience: [...blockExperience], classes },
    }),
    restoreState: (state: StrategyState) => {
      const saved = savedClassCount(state, ctx.classifier.classes);
      head.restore(state.params, state.data['head'] as BlockHeadSnapshot);
      blockExperience = [...(state.data['blockExperience'] as number[])];
      classes = saved;
    },
  };
}
