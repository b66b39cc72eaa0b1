/**
 * Residual adapter between a frozen encoder and an expanding head: h = x + W_up·ReLU(W_down·x),
 * a bottleneck MLP whose up-projection starts at zero so the adapter starts as the identity
 * (Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP", ICML). The head on h is
 * the expanding head of `expanding-head` (a block of rows per experience, old blocks frozen, cosine
 * by default). By default the adapter trains in the first experience only and is frozen afterwards
 * — First Session Adaptation (Panos et al. 2023, "First Session Adaptation: A Strong Replay-Free
 * Baseline for Class-Incremental Learning", ICCV) — because an adapter that keeps moving shifts the
 * inputs of the frozen old rows (forgetting); `adapt=all` keeps training it, `adapt=none` never does.
 *
 * `setfit=true` follows SetFit (Tunstall et al. 2022, "Efficient Few-Shot Learning Without
 * Prompts", arXiv:2209.11055): the experience's samples are collected, and at the experience's end
 * the adapter (when it adapts in this experience) is first tuned contrastively on pairs of them —
 * for each sample and each of `pairs` iterations one same-label pair (target cosine 1) and one
 * different-label pair (target 0), CosineSimilarityLoss = mean (cos(h_a, h_b) − target)², one pass
 * in batches of the context's batch size — and then the head is trained on the collected samples
 * with the adapter frozen, for the context's epochs. The pair loss is an ONNX graph like any other;
 * the autodiff differentiates it. Without `setfit` each incoming batch is one step on the adapter
 * (when adapting) and the newest block.
 *
 * `rows=mean` imprints each class's row as the mean of its adapted features instead of training it
 * (Qi et al. 2018; with SetFit in the first experience this is the adapt-then-prototype recipe of
 * Zhou et al. 2023's APER): then only SetFit trains the adapter (`setfit=true`, or `adapt=none`).
 *
 * Options (`ctx.options`): `bottleneck` adapter width (default 64), `adapt` `first` (default),
 * `all` or `none`, `setfit` `true`/`false` (default false), `pairs` SetFit iterations (default 2),
 * `head` `cosine` (default) or `linear`, `scale` cosine logit scale (default 16), `rows`
 * `trained` (default) or `mean`. The context's `hidden` is not used.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { Attr, GraphBuilder, type Model } from '@mneme/graph';
import { Rng } from '@mneme/random';
import { tensor } from '@mneme/tensor';
import { BlockHead, HEAD_KINDS, l2Normalize, type BlockHeadSnapshot } from './block-head.js';
import { gatherSamples } from '../core/experience-pool.js';
import { savedClassCount } from '../core/class-count.js';
import { boolean, choice, defineOptions, integer, number } from '../option-schema.js';
import { checkReplayBatch } from '../replay/replay-trainer.js';
import type { ExperienceInfo, LabelledBatch, LearnStats, PredictOptions, Strategy, StrategyContext, StrategyState } from '../strategy.js';

/** The adapter's defaults. */
export const ADAPTER_DEFAULTS = Object.freeze({
  bottleneck: 64,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  adapt: 'first' as AdaptMode,
  setfit: false,
  pairs: 2,
  head: 'cosine' as const,
  scale: 16,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  rows: 'trained' as 'trained' | 'mean',
});

/** In which experiences the adapter trains. */
export type AdaptMode = 'first' | 'all' | 'none';

/** The adapter's options (`--set key=value`). */
export const ADAPTER_OPTIONS = defineOptions('adapter', {
  bottleneck: integer(ADAPTER_DEFAULTS.bottleneck, { min: 1 }, 'adapter width r'),
  adapt: choice(['first', 'all', 'none'], ADAPTER_DEFAULTS.adapt, 'experiences in which the adapter trains'),
  setfit: boolean(ADAPTER_DEFAULTS.setfit, 'SetFit contrastive tuning of the adapter in the first experience'),
  pairs: integer(ADAPTER_DEFAULTS.pairs, { min: 1 }, 'SetFit iterations'),
  head: choice(HEAD_KINDS, ADAPTER_DEFAULTS.head, 'scaled cosine head or linear head'),
  scale: number(ADAPTER_DEFAULTS.scale, { min: 0, exclusiveMin: true }, 'cosine logit scale s'),
  rows: choice(['trained', 'mean'], ADAPTER_DEFAULTS.rows, 'rows trained, or imprinted as class means of adapted features (cosine only)'),
});

/** Names of the SetFit pair graph. */
export const PAIR_IO = Object.freeze({
  /** float32 `[batch, inputSize]`: first sample of each pair. */
  a: 'pair/a',
  /** float32 `[batch, inputSize]`: second sample of each pair. */
  b: 'pair/b',
  /** float32 `[batch]`: target cosine similarity (1 same label, 0 different). */
  target: 'pair/target',
  /** Scalar mean squared error of the cosine similarities. */
  loss: 'pair/loss',
});

/** Offsets the pair and shuffling stream from the weight initialisation's (same run seed). */
const PAIR_SEED_SALT = 0x5e7f17;

/** Samples of the current experience collected for SetFit (JSON-safe in state). */
interface Collected {
  features: number[];
  labels: number[];
  ids: number[];
}

/**
 * Builds an adapter learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function adapter(ctx: StrategyContext): Strategy {
  const { bottleneck, adapt, setfit, pairs, head: kind, scale, rows } = ADAPTER_OPTIONS.read(ctx.options);
  if (rows === 'mean' && kind !== 'cosine') throw new InvalidArgumentError('adapter: rows=mean needs head=cosine');
  if (rows === 'mean' && !setfit && adapt !== 'none')
    throw new InvalidArgumentError('adapter: with rows=mean only SetFit trains the adapter; set setfit=true or adapt=none');

  const d = ctx.classifier.inputSize;
  let classes = ctx.classifier.classes;
  const head = new BlockHead(ctx.executor, {
    inputSize: d,
    kind,
    scale,
    seed: ctx.seed,
    optimizer: ctx.optimizer,
    learningRate: ctx.learningRate,
    adapter: bottleneck,
  });
  let blockExperience: number[] = [];
  let firstExperience: number | undefined;
  let collected: Collected = { features: [], labels: [], ids: [] };
  let rng = Rng.seeded(ctx.seed ^ PAIR_SEED_SALT);

  const adaptsIn = (experience: number): boolean => adapt === 'all' || (adapt === 'first' && experience === firstExperience);

  const openBlock = (experience: number, classes: Iterable<number>): void => {
    firstExperience ??= experience;
    head.openExperienceBlock(blockExperience, experience, classes);
  };

  /** Trainable names for a head step in `experience` (the newest block, the adapter when adapting). */
  const trainableIn = (experience: number, withAdapter: boolean): string[] => {
    const k = blockExperience.indexOf(experience);
    const block = k < 0 || head.classesOf(k).length === 0 ? [] : head.blockParams(k);
    return [...(withAdapter && adaptsIn(experience) ? head.adapterParams() : []), ...block];
  };

  const allBlocks = (): number[] => Array.from({ length: head.blockCount }, (_, k) => k);

  /** SetFit's contrastive phase on the collected samples, then the head phase. */
  const trainCollected = async (experience: number): Promise<void> => {
    const n = collected.labels.length;
    if (n === 0) return;
    const features = Float32Array.from(collected.features);
    const labels = Int32Array.from(collected.labels);
    if (adaptsIn(experience)) await contrastivePhase(features, labels);
    if (rows === 'mean') {
      await head.imprint(features, labels);
      return;
    }
    head.resetOptimizer();
    const trainable = trainableIn(experience, false);
    if (trainable.length === 0) return;
    for (let epoch = 0; epoch < ctx.epochs; epoch++) {
      const order = rng.shuffle([...Array(n).keys()]);
      for (let start = 0; start < n; start += ctx.batchSize) {
        const batch = gatherSamples(features, labels, order.slice(start, start + ctx.batchSize), d);
        await head.train(batch.features, batch.labels, allBlocks(), trainable);
      }
    }
  };

  const contrastivePhase = async (features: Float32Array, labels: Int32Array): Promise<void> => {
    const byClass = new Map<number, number[]>();
    labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
    const left: number[] = [];
    const right: number[] = [];
    const target: number[] = [];
    for (let it = 0; it < pairs; it++) {
      for (let i = 0; i < labels.length; i++) {
        const same = byClass.get(labels[i]!)!;
        left.push(i);
        right.push(same[rng.int(same.length)]!);
        target.push(1);
        // A different-label partner exists unless the experience holds a single class.
        if (same.length < labels.length) {
          let j = rng.int(labels.length);
          while (labels[j] === labels[i]) j = rng.int(labels.length);
          left.push(i);
          right.push(j);
          target.push(0);
        }
      }
    }
    head.resetOptimizer();
    const runner = ctx.executor.trainStep({
      model: pairModel(head),
      loss: PAIR_IO.loss,
      store: head.store,
      optimizer: ctx.optimizer,
      lr: ctx.learningRate,
      trainable: head.adapterParams(),
    });
    const order = rng.shuffle([...left.keys()]);
    for (let start = 0; start < order.length; start += ctx.batchSize) {
      const rows = order.slice(start, start + ctx.batchSize);
      await runner.step({
        [PAIR_IO.a]: tensor(
          'float32',
          [rows.length, d],
          gatherSamples(
            features,
            labels,
            rows.map((r) => left[r]!),
            d,
          ).features,
        ),
        [PAIR_IO.b]: tensor(
          'float32',
          [rows.length, d],
          gatherSamples(
            features,
            labels,
            rows.map((r) => right[r]!),
            d,
          ).features,
        ),
        [PAIR_IO.target]: tensor(
          'float32',
          [rows.length],
          Float32Array.from(rows, (r) => target[r]!),
        ),
      });
    }
    // The adapter moved outside the head's own steps: its compiled graphs bake stale values.
    head.invalidate();
  };

  return {
    name: 'adapter',
    beginExperience: (info: ExperienceInfo) => {
      openBlock(info.index, info.classes);
      collected = { features: [], labels: [], ids: [] };
      return Promise.resolve();
    },
    endExperience: async (info: ExperienceInfo) => {
      if (!setfit) return;
      await trainCollected(info.index);
      collected = { features: [], labels: [], ids: [] };
    },
    learn: async (batch: LabelledBatch): Promise<LearnStats | undefined> => {
      checkReplayBatch(batch, { inputSize: d, classes });
      if (batch.labels.length === 0) return undefined;
      openBlock(batch.experience, batch.labels);
      if (setfit) {
        // Later epochs replay the same samples: collect each id once.
        const seen = new Set(collected.ids);
        batch.labels.forEach((label, i) => {
          if (seen.has(batch.ids[i]!)) return;
          seen.add(batch.ids[i]!);
          collected.ids.push(batch.ids[i]!);
          collected.labels.push(label);
          for (const v of batch.features.subarray(i * d, (i + 1) * d)) collected.features.push(v);
        });
        return undefined;
      }
      if (rows === 'mean') {
        await head.imprint(batch.features, batch.labels);
        return undefined;
      }
      const trainable = trainableIn(batch.experience, true);
      if (trainable.length === 0) return undefined;
      return { loss: await head.train(batch.features, batch.labels, allBlocks(), trainable) };
    },
    growClasses: (count: number) => {
      classes = Math.max(classes, count);
    },
    classCount: () => classes,
    predict: (features: Float32Array, _options?: PredictOptions) => head.predict(features),
    forget: (ids: Iterable<number>) => {
      const doomed = new Set(ids);
      const keep = collected.ids.flatMap((id, i) => (doomed.has(id) ? [] : [i]));
      const removed = collected.ids.length - keep.length;
      collected = {
        features: keep.flatMap((i) => collected.features.slice(i * d, (i + 1) * d)),
        labels: keep.map((i) => collected.labels[i]!),
        ids: keep.map((i) => collected.ids[i]!),
      };
      return removed;
    },
    saveState: (): StrategyState => ({
      params: head.store.clone(),
      data: {
        head: head.snapshot(),
        blockExperience: [...blockExperience],
        firstExperience: firstExperience ?? null,
        collected: { features: [...collected.features], labels: [...collected.labels], ids: [...collected.ids] },
        rng: rng.state(),
        classes,
      },
    }),
    restoreState: (state: StrategyState) => {
      const c = state.data['collected'] as Collected | undefined;
      if (c === undefined || c.features.length !== c.labels.length * d || c.ids.length !== c.labels.length) {
        throw new InvalidArgumentError('adapter state: collected samples are missing or inconsistent');
      }
      const saved = savedClassCount(state, ctx.classifier.classes);
      head.restore(state.params, state.data['head'] as BlockHeadSnapshot);
      blockExperience = [...(state.data['blockExperience'] as number[])];
      const first = state.data['firstExperience'] as number | null;
      firstExperience = first ?? undefined;
      collected = { features: [...c.features], labels: [...c.labels], ids: [...c.ids] };
      rng = Rng.fromState(state.data['rng'] as number[]);
      classes = saved;
    },
  };
}

/** The SetFit pair objective on the adapter's output: mean (cos(h_a, h_b) − target)². */
function pairModel(head: BlockHead): Model {
  const d = head.options.inputSize;
  const b = new GraphBuilder({ name: 'adapter-pairs' });
  const xa = b.input(PAIR_IO.a, 'float32', ['batch', d]);
  const xb = b.input(PAIR_IO.b, 'float32', ['batch', d]);
  const target = b.input(PAIR_IO.target, 'float32', ['batch']);
  const [ha, hb] = head.appendAdapter(b, [xa, xb]);
  const cos = b.reduceSum(b.mul(l2Normalize(b, ha!, 1), l2Normalize(b, hb!, 1)), [1], false);
  const diff = b.sub(cos, target);
  b.op('ReduceMean', [b.mul(diff, diff)], { keepdims: Attr.int(0) }, { outputs: [PAIR_IO.loss] });
  b.output(PAIR_IO.loss, 'float32', []);
  return b.build();
}
