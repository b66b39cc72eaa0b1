/**
 * CLINC150 class-incremental with distilled replay: the `distill` strategy keeps K (default 4)
 * synthetic samples per intent — token-input embedding sequences learned through the frozen
 * all-MiniLM-L6-v2 encoder into a linear head (second order through the head's SGD step) — as
 * its only memory, against K random real samples per intent (`source=random`) at the same budget.
 * The benchmark is `clinc150` (15 experiences × 10 intents, Adam 1e-3, batch 32, 3 epochs).
 * Prints JSON lines, writes results/clinc150-distill.json (both sources, all seeds).
 *
 * Env: MNEME_DISTILL_SEEDS (0), MNEME_DISTILL_SOURCES (distilled,random), MNEME_DISTILL_K (4),
 * MNEME_DISTILL_STEPS (10 outer steps), MNEME_DISTILL_TOKENS (16), MNEME_DISTILL_INNER_LR (1),
 * MNEME_DISTILL_METHOD (second-order), MNEME_DISTILL_THREADS (2), MNEME_DISTILL_OUT (clinc150-distill).
 */
import { rename, writeFile } from 'node:fs/promises';
import { clinc150Benchmark, encoderStore, seedStatistic } from '@mneme/benchmarks';
import { loadClinc150 } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { createDistill, runExperiment, type TextInputs } from '@mneme/methods';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const seeds = env('MNEME_DISTILL_SEEDS', '0').split(',').map(Number);
const sources = env('MNEME_DISTILL_SOURCES', 'distilled,random').split(',');
const out = env('MNEME_DISTILL_OUT', 'clinc150-distill');
const options = {
  k: env('MNEME_DISTILL_K', '4'),
  'outer-steps': env('MNEME_DISTILL_STEPS', '10'),
  tokens: env('MNEME_DISTILL_TOKENS', '16'),
  'inner-lr': env('MNEME_DISTILL_INNER_LR', '1'),
  method: env('MNEME_DISTILL_METHOD', 'second-order'),
  'real-batch': '128',
};

const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: Number(env('MNEME_DISTILL_THREADS', '2')) }));
const store = await encoderStore();
const { set } = await loadClinc150();
const maxLength = store.tokenizer.settings.maxLength;
// The token-level view the clinc150 benchmark gives text-aware strategies (StrategyContext.text):
// sample ids are data-set row indices.
const text: TextInputs = {
  embeddings: store.embeddings,
  encoder: store.encoder,
  pooled: store.manifest.pooling === 'cls' ? 'cls' : 'mean_pooled',
  normalize: store.manifest.normalize,
  hiddenSize: store.manifest.dimension,
  padId: store.tokenizer.specialIds.pad,
  tokensOfIds: (ids) =>
    Array.from(ids, (id) => {
      const t = set.texts[id];
      if (t === undefined) throw new InvalidArgumentError(`sample id ${id} is outside the data set`);
      return store.tokenizer.encodeIds(t, maxLength);
    }),
  tokensOfFeatures: () => {
    throw new InvalidArgumentError('distill does not look up tokens by features');
  },
};

const settings = clinc150Benchmark.defaults;
const report: Record<string, unknown>[] = [];
for (const source of sources) {
  const runs = [];
  const distillSeconds: number[] = [];
  for (const seed of seeds) {
    const built = await clinc150Benchmark.build({ seed, settings, executor });
    let stepStarted = performance.now();
    let experienceStarted = performance.now();
    const strategy = createDistill(
      {
        executor,
        classifier: built.classifier,
        optimizer: settings.optimizer,
        learningRate: settings.learningRate,
        batchSize: settings.batchSize,
        epochs: settings.epochs,
        seed,
        options: { ...options, source },
        text,
      },
      {
        onStep: (experience, step, objective) => {
          if (step === 0) experienceStarted = stepStarted;
          const now = performance.now();
          process.stderr.write(
            `clinc150 ${source} seed ${seed} exp ${experience} step ${step} outer loss ${objective.toFixed(4)} (${((now - stepStarted) / 1000).toFixed(1)} s)\n`,
          );
          stepStarted = now;
          if (step === Number(options['outer-steps']) - 1) distillSeconds.push((now - experienceStarted) / 1000);
        },
      },
    );
    const started = performance.now();
    const result = await runExperiment(strategy, built.plan, {
      epochs: settings.epochs,
      onProgress: (e) => {
        stepStarted = performance.now();
        if (e.kind === 'evaluated')
          process.stderr.write(
            `clinc150 ${source} seed ${seed} after ${e.after}: mean acc ${(e.row.slice(0, e.after + 1).reduce((a, x) => a + x, 0) / (e.after + 1)).toFixed(3)}\n`,
          );
      },
    });
    const wall = (performance.now() - started) / 1000;
    const line = {
      bench: 'clinc150-distill',
      source,
      seed,
      acc: result.acc.value,
      bwt: result.bwt.value,
      forgetting: result.forgetting.value,
      memory: strategy.describe?.(),
      wall_s: Number(wall.toFixed(1)),
      options: { ...options, source },
    };
    console.log(JSON.stringify(line));
    runs.push({ ...line, matrix: result.matrix, result });
  }
  report.push({
    source,
    seeds,
    options: { ...options, source },
    settings,
    acc: seedStatistic(runs.map((r) => r.result.acc)),
    bwt: seedStatistic(runs.map((r) => r.result.bwt)),
    forgetting: seedStatistic(runs.map((r) => r.result.forgetting)),
    distill_s_per_experience:
      distillSeconds.length === 0 ? null : Number((distillSeconds.reduce((a, x) => a + x, 0) / distillSeconds.length).toFixed(1)),
    runs: runs.map(({ result: _r, ...rest }) => rest),
  });
  await writeFile(`results/${out}.json.tmp`, `${JSON.stringify({ bench: 'clinc150-distill', report }, null, 2)}\n`);
  await rename(`results/${out}.json.tmp`, `results/${out}.json`);
}
