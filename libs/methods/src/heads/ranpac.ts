/**
 * RanPAC: random projection + closed-form ridge classifier on frozen features (McDonnell et al.
 * 2023, "RanPAC: Random Projections and Pre-trained Models for Continual Learning", NeurIPS), the
 * streaming form of analytic continual learning (Zhuang et al. 2022, "ACIL: Analytic
 * Class-Incremental Learning with Absolute Memorization and Privacy Protection", NeurIPS).
 *
 * Each feature row x goes through a fixed, seeded random ReLU projection max(0, x·R) to M
 * dimensions, kept beside the (scaled) inputs themselves, h = [√(d/2)·x, max(0, x·R)] (M = 0: h = x,
 * plain ridge). Keeping the inputs was chosen on clinc150-val: 95.5 against 95.0 % for the random
 * features alone at M = 2048 (SNIPS validation: equal or better). The learner keeps only second-order statistics of the
 * stream, in float64: G = Σ hhᵀ and Q = Σ h·onehot(y)ᵀ. The head is W = (G + λI)⁻¹Q, solved when a
 * prediction or a saved version needs it, never per step. No gradient step is taken, so nothing is
 * forgotten by interference: after any stream W equals joint ridge regression on everything seen.
 *
 * λ is chosen without test data by generalised cross-validation on the statistics (Golub, Heath &
 * Wahba 1979): GCV(λ) = n·RSS(λ) / (n − df(λ))², with RSS from G, Q and W alone and
 * df = M − λ·tr((G + λI)⁻¹). The first solve tries 10⁻⁶…10¹ times G's mean diagonal by decades,
 * then half decades around the best; later solves walk by half decades from the last experience's
 * choice (each try is a float64 factorisation, the solve's whole cost). `describe()` reports it.
 *
 * Forgetting samples is exact: the learner keeps each sample's input row (d floats) so that a
 * deletion request downdates G and Q, and the next solve equals ridge on the stream without them.
 *
 * Options (`ctx.options`): `projection` M (default 2048; 0 for plain ridge), `inputs` (default
 * true: keep the inputs beside the random features), `lambda` a fixed
 * ridge strength (default 0: chosen by GCV), `fold` rows per Gram update GEMM (default 1024),
 * `precision` of that GEMM, `exact` (float64) or `fast` (float32; see gram-statistics.ts);
 * `knn-weight` w > 0 interpolates, as knn-head does, p = w·p_kNN + (1 − w)·softmax(scores / τ) with
 * a kNN memory of the raw features (`k`, `temperature`, `capacity` as for knn) and τ =
 * `score-temperature` (ridge scores are regressions of one-hot targets, so τ ≈ 0.1 makes them peaked).
 */
import { ParameterStore } from '@mneme/execution';
import { GraphBuilder, createTensor, type Model } from '@mneme/graph';
import { Rng } from '@mneme/random';
import { gatherRows, tensor } from '@mneme/tensor';
import { MnemeError } from '@mneme/errors';
import { argmaxRows, checkFeatures, noClass } from '../core/classifier.js';
import { savedClassCount } from '../core/class-count.js';
import { DenseSolver } from './dense-solve.js';
import { fromBase64, GramStatistics, toBase64, type GramPrecision, type GramSnapshot } from './gram-statistics.js';
import { boolean, choice, defineOptions, integer, number } from '../option-schema.js';
import { softmaxRows } from '../curriculum/difficulty.js';
import { KNN_OPTION_SPECS } from '../retrieval/knn.js';
import type { KnnMemorySnapshot } from '../retrieval/knn-memory.js';
import { memoryPortOf } from '../replay/memory-port.js';
import { checkReplayBatch } from '../replay/replay-trainer.js';
import type { LabelledBatch, PredictOptions, Strategy, StrategyContext, StrategyDescription, StrategyState } from '../strategy.js';

/** RanPAC's defaults. */
export const RANPAC_DEFAULTS = Object.freeze({
  /** Random ReLU features M (0: ridge on the input features themselves). */
  projection: 2048,
  /** Keep the input features beside the random ones. */
  inputs: true,
  /** Fixed ridge strength; 0 chooses it by GCV at each solve. */
  lambda: 0,
  /** Rows per Gram update GEMM. */
  fold: 1024,
  /** Precision of the Gram update GEMM. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens the frozen default to the union the option accepts
  precision: 'exact' as GramPrecision,
  /** Weight of the kNN memory's distribution (0: no memory). */
  knnWeight: 0,
  /** Softmax temperature of the ridge scores in the kNN mixture. */
  scoreTemperature: 0.1,
});

/** RanPAC's options (`--set key=value`). */
export const RANPAC_OPTIONS = defineOptions('ranpac', {
  projection: integer(RANPAC_DEFAULTS.projection, { min: 0, max: 65536 }, 'random ReLU features M (0: ridge on the input features)'),
  inputs: boolean(RANPAC_DEFAULTS.inputs, 'keep the input features beside the random ones (scaled by √(d/2))'),
  lambda: number(RANPAC_DEFAULTS.lambda, { min: 0 }, 'fixed ridge strength; 0 chooses it by generalised cross-validation at each solve'),
  fold: integer(RANPAC_DEFAULTS.fold, { min: 1, max: 65536 }, 'rows per Gram-matrix update GEMM'),
  precision: choice(
    ['exact', 'fast'] as const,
    RANPAC_DEFAULTS.precision,
    'Gram update GEMM: exact (float64) or fast (float32 partial sums, float64 running sum)',
  ),
  'knn-weight': number(
    RANPAC_DEFAULTS.knnWeight,
    { min: 0, max: 1 },
    "weight of a kNN memory's class distribution mixed into the prediction (0: off, no memory kept)",
  ),
  'score-temperature': number(
    RANPAC_DEFAULTS.scoreTemperature,
    { min: 0, exclusiveMin: true },
    'softmax temperature turning ridge scores into a distribution for that mixture',
  ),
  ...KNN_OPTION_SPECS,
});

/** Decades of λ / mean(diag G) searched by the first GCV solve before refining around the best. */
const GCV_DECADES = [-6, -5, -4, -3, -2, -1, 0, 1];

/** Decades a λ is raised before a factorisation failure is reported as an error. */
const MAX_RAISES = 20;

/** Bounds of the half-decade walk of later solves (λ / mean(diag G) from 10⁻⁸ to 10³). */
const MIN_STEP = -16;
const MAX_STEP = 6;

/** Offsets the projection's random stream from other streams of the same run seed. */
const PROJECTION_SEED_SALT = 0x7a4bac;

/** Offsets the kNN memory's random stream (reservoir sampling beyond its capacity). */
const MEMORY_SEED_SALT = 0x7a4bad;

/** The head solved for one state of the statistics. */
interface Solution {
  /** W (M × classes, float32 for prediction). */
  readonly weights: Float32Array;
  readonly classes: number;
  /** The ridge strength used (undefined while there is nothing to fit). */
  readonly lambda: number | undefined;
  /** λ over G's mean diagonal, where the next GCV search starts. */
  readonly relative?: number | undefined;
  readonly chosenBy: 'gcv' | 'fixed' | 'none';
}

/** One sample kept for exact unlearning. */
interface KeptSample {
  readonly features: Float32Array;
  readonly label: number;
}

/**
 * The ranpac strategy, with a prediction narrowed to some classes: what a prompt strategy's ridge
 * head (prompted-heads.ts) needs for a task id, which ranpac on its own ignores.
 */
export interface RanpacStrategy extends Strategy {
  /** Class per row among `allowed` (every class when absent); −1 for a row with no allowed class the head has. */
  predictAmong(features: Float32Array, allowed: readonly number[] | undefined): Promise<Int32Array>;
}

/**
 * Builds a RanPAC learner.
 *
 * @throws InvalidArgumentError listing every bad or unknown option
 */
export function ranpac(ctx: StrategyContext): RanpacStrategy {
  const options = RANPAC_OPTIONS.read(ctx.options);
  const { projection, lambda: fixedLambda, fold, precision } = options;
  const knnWeight = options['knn-weight'];

  const d = ctx.classifier.inputSize;
  const width = headWidth(d, projection, options.inputs);
  const head = headModel(d, projection, options.inputs, ctx.seed ^ PROJECTION_SEED_SALT);
  const solver = new DenseSolver(ctx.executor);
  let classes = ctx.classifier.classes;
  let stats = new GramStatistics(ctx.executor, width, fold, precision);
  stats.growClasses(classes);
  let kept = new Map<number, KeptSample[]>();
  let removals: { features: Float32Array; labels: Int32Array } | undefined;
  // Counts changes to the statistics; a solution is current when solved at the latest revision.
  let revision = 0;
  let solution: (Solution & { readonly revision: number }) | undefined;
  // Whether `solution` was solved at an experience's end: only then is it part of the saved state
  // (a version carries its head), so that predictions never change what a state holds.
  let solvedAtBoundary = false;
  // The λ of the last experience's end (what `describe` reports; predictions in between do not change it).
  let boundaryChoice: Pick<Solution, 'lambda' | 'relative' | 'chosenBy'> = { lambda: undefined, chosenBy: 'none' };
  let params = new ParameterStore();
  const memory =
    knnWeight > 0
      ? memoryPortOf(ctx).knn({
          inputSize: d,
          capacity: options.capacity,
          seed: ctx.seed ^ MEMORY_SEED_SALT,
          ...(ctx.indexFactory === undefined ? {} : { indexFactory: ctx.indexFactory }),
        })
      : undefined;
  // Learning, solving and prediction change or read the statistics across awaits: one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  const project = async (features: Float32Array, rows: number): Promise<Float32Array> => {
    if (projection === 0) return features;
    const out = await ctx.executor.forward(head.projection, { [HEAD_IO.input]: tensor('float32', [rows, d], features) });
    return out[HEAD_IO.projected]!.data as Float32Array;
  };

  /** Applies removals pending since the last batch to the statistics (in stream order, so deterministic). */
  const applyRemovals = async () => {
    if (removals === undefined) return;
    const { features, labels } = removals;
    removals = undefined;
    await stats.remove(await project(features, labels.length), labels);
  };

  const solve = async (): Promise<Solution> => {
    const settled = await stats.settled(
      removals === undefined ? undefined : { features: await project(removals.features, removals.labels.length), labels: removals.labels },
    );
    const c = settled.classes;
    if (c === 0 || settled.count === 0) return { weights: new Float32Array(width * c), classes: c, lambda: undefined, chosenBy: 'none' };
    const scale = settled.meanDiagonal();
    if (!(scale > 0)) return { weights: new Float32Array(width * c), classes: c, lambda: undefined, chosenBy: 'none' };
    const fit = async (lambda: number) => {
      const { gram, targets } = settled.regularised(lambda);
      const factors = await solver.choleskyWithInverse(gram, width);
      if (factors === undefined) return undefined;
      const { u, w } = await solver.solveWithInverse(factors.inverse, targets, width, c);
      return { lambda, w, gcv: gcvScore(settled.count, width, lambda, factors.inverse, u, w) };
    };
    // A λ too small for float64 is raised a decade at a time until the factorisation holds (the λ
    // used is the one reported); G + λI is positive definite once λ dominates G's rounding.
    const firstThatHolds = async (start: number) => {
      for (let lambda = start, tries = 0; tries < MAX_RAISES; lambda *= 10, tries++) {
        const result = await fit(lambda);
        if (result !== undefined) return result;
      }
      throw new MnemeError(
        'internal',
        `ranpac: G + λI could not be factored for any λ from ${start} to ${start * 10 ** (MAX_RAISES - 1)}; the statistics hold non-finite values`,
      );
    };
    if (fixedLambda > 0) {
      const result = await firstThatHolds(fixedLambda);
      return { weights: Float32Array.from(result.w), classes: c, lambda: result.lambda, chosenBy: 'fixed' };
    }
    // λ = scale·10^(k/2): half-decade steps relative to G's mean diagonal.
    const tried = new Map<number, { lambda: number; w: Float64Array; gcv: number } | undefined>();
    const at = async (k: number) => {
      if (!tried.has(k)) tried.set(k, await fit(scale * 10 ** (k / 2)));
      const result = tried.get(k);
      return result === undefined || !Number.isFinite(result.gcv) ? Number.POSITIVE_INFINITY : result.gcv;
    };
    const bestStep = () =>
      [...tried.entries()].reduce<number | undefined>(
        (b, [k, r]) => (r !== undefined && Number.isFinite(r.gcv) && (b === undefined || r.gcv < tried.get(b)!.gcv) ? k : b),
        undefined,
      );
    const previous = boundaryChoice.relative;
    if (previous === undefined) {
      // First solve: every decade of the grid, then the half decades around the best.
      for (const decade of GCV_DECADES) await at(2 * decade);
    } else {
      // Later solves: GCV's minimum moves little as data arrive, so walk from the last choice.
      const k0 = Math.round(2 * Math.log10(previous));
      await at(k0 - 1);
      await at(k0);
      await at(k0 + 1);
    }
    for (let k = bestStep(); k !== undefined;) {
      const down = (await at(k - 1)) < tried.get(k)!.gcv;
      const up = (await at(k + 1)) < tried.get(k)!.gcv;
      const next = bestStep();
      if ((!down && !up) || next === k || next === undefined || next < MIN_STEP || next > MAX_STEP) break;
      k = next;
    }
    const chosen = bestStep();
    // Nothing fitted (every factorisation failed): above the strongest ridge of the grid.
    const best = (chosen === undefined ? undefined : tried.get(chosen)) ?? (await firstThatHolds(scale * 10 ** (GCV_DECADES.at(-1)! + 1)));
    return { weights: Float32Array.from(best.w), classes: c, lambda: best.lambda, relative: best.lambda / scale, chosenBy: 'gcv' };
  };

  const current = async (): Promise<Solution> => {
    if (solution === undefined || solution.revision !== revision) {
      const at = revision;
      solution = { ...(await solve()), revision: at };
      solvedAtBoundary = false;
    }
    return solution;
  };

  const predictAmong = (features: Float32Array, allowed: readonly number[] | undefined): Promise<Int32Array> =>
    serially(async () => {
      const rows = checkFeatures(features, d);
      if (classes === 0) return noClass(rows);
      const solved = await current();
      const out = await ctx.executor.forward(head.scores, {
        [HEAD_IO.input]: tensor('float32', [rows, d], features),
        [HEAD_IO.weights]: tensor('float32', [width, solved.classes], solved.weights),
      });
      const scores = out[HEAD_IO.scores]!.data as Float32Array;
      if (memory === undefined || memory.size === 0) return argmaxRows(scores, solved.classes, allowed);
      const c = solved.classes;
      const tau = options['score-temperature'];
      const ridge = softmaxRows(
        scores.map((v) => v / tau),
        c,
      );
      const votes = memory.vote(features, { k: options.k, temperature: options.temperature, classes: c });
      const mixed = new Float32Array(rows * c);
      for (let i = 0; i < mixed.length; i++) mixed[i] = knnWeight * votes[i]! + (1 - knnWeight) * ridge[i]!;
      return argmaxRows(mixed, c, allowed);
    });

  return {
    name: 'ranpac',
    beginExperience: () => Promise.resolve(),
    // A version is saved after each experience: solve now so that it carries its head.
    endExperience: () =>
      serially(async () => {
        const solved = await current();
        solvedAtBoundary = true;
        boundaryChoice = { lambda: solved.lambda, relative: solved.relative, chosenBy: solved.chosenBy };
      }),
    learn: (batch: LabelledBatch) =>
      serially(async () => {
        checkReplayBatch(batch, { inputSize: d, classes });
        params.step++;
        // The statistics count each sample once: another pass over an experience (epochs > 1)
        // or a re-sent sample adds nothing, so the head stays ridge on the distinct samples seen.
        const fresh = unseenRows(batch, kept, d);
        const rows = fresh.labels.length;
        if (rows === 0) return;
        await applyRemovals();
        const projected = await project(fresh.features, rows);
        await stats.add(projected, fresh.labels);
        memory?.add(fresh);
        for (let r = 0; r < rows; r++)
          kept.set(fresh.ids[r]!, [{ features: fresh.features.slice(r * d, (r + 1) * d), label: fresh.labels[r]! }]);
        revision++;
      }),
    growClasses: (count: number) => {
      if (count <= classes) return;
      classes = count;
      stats.growClasses(count);
      revision++;
    },
    classCount: () => classes,
    predict: (features: Float32Array, _options?: PredictOptions) => predictAmong(features, undefined),
    predictAmong,
    saveState: (): StrategyState => {
      const ids: number[] = [];
      const labels: number[] = [];
      const rows: Float32Array[] = [];
      for (const [id, samples] of kept) {
        for (const s of samples) {
          ids.push(id);
          labels.push(s.label);
          rows.push(s.features);
        }
      }
      const current = solvedAtBoundary && solution !== undefined && solution.revision === revision ? solution : undefined;
      return {
        params: params.clone(),
        data: {
          classes,
          revision,
          statistics: stats.snapshot(),
          kept: { ids, labels, features: toBase64(concat(rows)) },
          ...(memory === undefined ? {} : { memory: memory.snapshot() }),
          choice: { lambda: boundaryChoice.lambda ?? null, relative: boundaryChoice.relative ?? null, chosenBy: boundaryChoice.chosenBy },
          removals: removals === undefined ? null : { labels: [...removals.labels], features: toBase64(removals.features) },
          solution:
            current === undefined
              ? null
              : {
                  weights: toBase64(current.weights),
                  classes: current.classes,
                  lambda: current.lambda ?? null,
                  chosenBy: current.chosenBy,
                },
        },
      };
    },
    restoreState: (state: StrategyState) => {
      const saved = savedClassCount(state, ctx.classifier.classes);
      const data = state.data;
      const restored = new GramStatistics(ctx.executor, width, fold, precision);
      restored.restore(data['statistics'] as GramSnapshot);
      const keptData = data['kept'] as { ids: number[]; labels: number[]; features: string };
      const keptFeatures = fromBase64(keptData.features, Float32Array);
      const nextKept = new Map<number, KeptSample[]>();
      keptData.ids.forEach((id, i) =>
        nextKept.set(id, [...(nextKept.get(id) ?? []), { features: keptFeatures.slice(i * d, (i + 1) * d), label: keptData.labels[i]! }]),
      );
      const removed = data['removals'] as { labels: number[]; features: string } | null;
      const solved = data['solution'] as { weights: string; classes: number; lambda: number | null; chosenBy: Solution['chosenBy'] } | null;
      if (memory !== undefined) memory.restore(data['memory'] as KnnMemorySnapshot);
      stats = restored;
      kept = nextKept;
      removals =
        removed === null ? undefined : { labels: Int32Array.from(removed.labels), features: fromBase64(removed.features, Float32Array) };
      classes = saved;
      revision = data['revision'] as number;
      solution =
        solved === null
          ? undefined
          : {
              weights: fromBase64(solved.weights, Float32Array),
              classes: solved.classes,
              lambda: solved.lambda ?? undefined,
              chosenBy: solved.chosenBy,
              revision,
            };
      solvedAtBoundary = solution !== undefined;
      const choice = data['choice'] as { lambda: number | null; relative?: number | null; chosenBy: Solution['chosenBy'] } | undefined;
      boundaryChoice =
        choice === undefined
          ? { lambda: undefined, chosenBy: 'none' }
          : { lambda: choice.lambda ?? undefined, relative: choice.relative ?? undefined, chosenBy: choice.chosenBy };
      params = state.params.clone();
    },
    describe: (): StrategyDescription => ({
      // Without a kNN memory, the samples kept for exact unlearning (every one seen, by design: no capacity).
      ...(memory === undefined
        ? { memorySize: [...kept.values()].reduce((n, s) => n + s.length, 0) }
        : { memorySize: memory.size, memoryCapacity: options.capacity }),
      choices: {
        projection,
        lambda: boundaryChoice.lambda ?? Number.NaN,
        lambdaChosenBy: boundaryChoice.chosenBy,
        samples: stats.count - (removals?.labels.length ?? 0),
      },
    }),
    forget: (ids: Iterable<number>) => {
      const unique = new Set(ids);
      const gone: KeptSample[] = [];
      for (const id of unique) {
        const samples = kept.get(id);
        if (samples === undefined) continue;
        gone.push(...samples);
        kept.delete(id);
      }
      memory?.forget(unique);
      if (gone.length === 0) return 0;
      const features = concat(gone.map((s) => s.features));
      const labels = Int32Array.from(gone, (s) => s.label);
      removals =
        removals === undefined
          ? { features, labels }
          : { features: concat([removals.features, features]), labels: Int32Array.from([...removals.labels, ...labels]) };
      revision++;
      return gone.length;
    },
    // The statistics are downdated: the next solve equals ridge on the stream without the samples.
    unlearning: 'exact',
  };
}

/** The rows of `batch` whose ids are not kept yet (the first of repeats within the batch). */
function unseenRows(
  batch: LabelledBatch,
  kept: ReadonlyMap<number, unknown>,
  d: number,
): { features: Float32Array; labels: Int32Array; ids: Int32Array } {
  const seen = new Set<number>();
  const rows = [...batch.ids.keys()].filter((r) => {
    const id = batch.ids[r]!;
    if (kept.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (rows.length === batch.ids.length) return batch;
  return {
    features: gatherRows(batch.features, d, rows),
    labels: Int32Array.from(rows, (r) => batch.labels[r]!),
    ids: Int32Array.from(rows, (r) => batch.ids[r]!),
  };
}

/**
 * GCV(λ) = n·RSS / (n − df)² for multi-output ridge with one-hot targets, from the statistics: with
 * T = L⁻¹ (L·Lᵀ = G + λI), U = T·Q and W = Tᵀ·U, RSS = n − ‖U‖² − λ‖W‖² (since tr(WᵀQ) = ‖U‖² and
 * G·W = Q − λW) and df = M − λ·‖T‖²_F.
 */
export function gcvScore(n: number, width: number, lambda: number, inverse: Float64Array, u: Float64Array, w: Float64Array): number {
  const traceInverse = sumOfSquares(inverse);
  const df = width - lambda * traceInverse;
  const rss = n - sumOfSquares(u) - lambda * sumOfSquares(w);
  const residualDf = n - df;
  if (!(residualDf > 0)) return Number.POSITIVE_INFINITY;
  return (n * Math.max(rss, 0)) / (residualDf * residualDf);
}

function sumOfSquares(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return s;
}

/** The rows one after another. */
function concat(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const r of rows) {
    out.set(r, offset);
    offset += r.length;
  }
  return out;
}

/** Names of the RanPAC head graphs' inputs and outputs. */
export const HEAD_IO = Object.freeze({
  /** float32 [batch, d]: frozen features. */
  input: 'ranpac/x',
  /** float32 [batch, M]: max(0, x·R). */
  projected: 'ranpac/h',
  /** float32 [M, classes]: the solved ridge weights. */
  weights: 'ranpac/w',
  /** float32 [batch, classes]. */
  scores: 'ranpac/scores',
});

/** RanPAC's R for a learner built with `seed`: d × M (row-major), N(0, 1) entries. */
export function ranpacProjection(d: number, projection: number, seed: number): Float32Array {
  return randomProjection(d, projection, seed ^ PROJECTION_SEED_SALT);
}

function randomProjection(d: number, projection: number, seed: number): Float32Array {
  const rng = Rng.seeded(seed);
  return Float32Array.from({ length: d * projection }, () => rng.normal(0, 1));
}

/** Width of a head's feature rows: M random features, plus the d inputs when kept (d alone for M = 0). */
export function headWidth(d: number, projection: number, inputs: boolean): number {
  return projection === 0 ? d : inputs && projection > 0 ? d + projection : projection;
}

/**
 * The factor on the inputs kept beside the random features: √(d/2) gives each input feature the
 * mean square of a random one for inputs of any norm (E[xⱼ²] = ‖x‖²/d, E[max(0, x·r)²] = ‖x‖²/2),
 * so one ridge strength suits both parts.
 */
export function inputScale(d: number): number {
  return Math.sqrt(d / 2);
}

/**
 * The projection graph (x → h = [√(d/2)·x, max(0, x·R)], or max(0, x·R) alone without the inputs)
 * and the scoring graph (x → h·W) with the seeded Gaussian R (d × M, N(0, 1) entries as in RanPAC)
 * as an initializer of both; with M = 0, h = x.
 */
function headModel(d: number, projection: number, inputs: boolean, seed: number): { projection: Model; scores: Model } {
  const r = projection === 0 ? undefined : randomProjection(d, projection, seed);
  const width = headWidth(d, projection, inputs);
  const build = (withScores: boolean): Model => {
    const b = new GraphBuilder({ name: withScores ? 'ranpac_scores' : 'ranpac_projection' });
    const x = b.input(HEAD_IO.input, 'float32', ['batch', d]);
    let h = x;
    if (r !== undefined) {
      const random = b.relu(b.matMul(x, b.initializer('ranpac/r', createTensor('float32', [d, projection], r))));
      h = inputs ? b.concat([b.mul(x, b.scalar(inputScale(d))), random], 1) : random;
    }
    if (withScores) {
      const w = b.input(HEAD_IO.weights, 'float32', [width, 'classes']);
      b.output(b.op('Identity', [b.matMul(h, w)], undefined, { outputs: [HEAD_IO.scores] })[0]!, 'float32');
    } else {
      b.output(b.op('Identity', [h], undefined, { outputs: [HEAD_IO.projected] })[0]!, 'float32');
    }
    return b.build();
  };
  return { projection: build(false), scores: build(true) };
}
