/**
 * `npm run bench:embed`: sentence-embedding throughput of all-MiniLM-L6-v2 on the first 3,000
 * CLINC150 test texts at batch 32 and batch 1, mneme (`embedSentences` on ONNX Runtime) against
 * sentence-transformers on the same texts and weights in the same run, when MNEME_BENCH_PYTHON
 * has it. Both sides warm up with one whole pass at batch 32 first; both normalise. Prints one JSON object per line:
 * texts_per_s per side and batch (ratio = mneme / sentence-transformers), peak RSS per side, and
 * mneme's session-cache counters (a warm pass must compile nothing).
 *
 * Env: MNEME_BENCH_THREADS (default 2, both sides), MNEME_BENCH_PYTHON (default python3),
 * MNEME_BENCH_TEXTS (default 3000), MNEME_BENCH_ST_MODEL (the Hugging Face model folder; default:
 * the one `npx mneme import-model` unpacked under .mneme/downloads).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadClinc150 } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';
import { DEFAULT_MODEL, embedSentences, loadEncoderStore } from '@mneme/encoders';

const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const python = process.env['MNEME_BENCH_PYTHON'] ?? 'python3';
const count = Number(process.env['MNEME_BENCH_TEXTS'] ?? 3000);
const BATCHES = [32, 1];
const GOALS: Record<number, number> = { 32: 1.5, 1: 3 };
const RSS_GOAL_MB = 1024;
const root = resolve(import.meta.dirname, '../..');
const storeDir = join(root, '.mneme/models', DEFAULT_MODEL);
if (!existsSync(join(storeDir, 'mneme-model.json'))) {
  console.error(`${DEFAULT_MODEL} is not in .mneme/models: run \`npx mneme import-model\` first`);
  process.exit(1);
}

const print = (line: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'embed', ...line }));

/** The unpacked Hugging Face folder (config.json + modules.json) sentence-transformers loads. */
function stModelFolder(): string | undefined {
  const explicit = process.env['MNEME_BENCH_ST_MODEL'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const search = (dir: string, depth: number): string | undefined => {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
    if (existsSync(join(dir, 'modules.json')) && existsSync(join(dir, 'config.json'))) return dir;
    if (depth === 0) return undefined;
    for (const entry of readdirSync(dir)) {
      const found = search(join(dir, entry), depth - 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(join(root, '.mneme/downloads'), 4);
}

interface StResult {
  batch: number;
  seconds: number;
  texts: number;
  peak_rss_mb: number;
}

function sentenceTransformers(texts: readonly string[]): Map<number, StResult> | undefined {
  const folder = stModelFolder();
  if (folder === undefined) {
    console.error('no Hugging Face model folder found under .mneme/downloads (set MNEME_BENCH_ST_MODEL); printing mneme only');
    return undefined;
  }
  if (spawnSync(python, ['-c', 'import sentence_transformers'], { encoding: 'utf8' }).status !== 0) {
    console.error(`sentence-transformers not importable with ${python}; printing mneme's figures without ratios (set MNEME_BENCH_PYTHON).`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mneme-embed-'));
  try {
    const file = join(dir, 'texts.json');
    writeFileSync(file, JSON.stringify(texts));
    const script = new URL('./embed_st.py', import.meta.url).pathname;
    const run = spawnSync(python, [script, folder, file, String(threads), BATCHES.join(',')], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) {
      console.error(`sentence-transformers side failed: ${run.stderr}`);
      return undefined;
    }
    const results = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as StResult);
    return new Map(results.map((r) => [r.batch, r]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { set } = await loadClinc150();
  const texts = set.texts.filter((_, i) => set.splits[i] === 'test').slice(0, count);
  // The reference side first, so its memory is gone before mneme's peak is read.
  const st = sentenceTransformers(texts);

  const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: threads });
  const executor = createExecutor(engine);
  const store = await loadEncoderStore(storeDir);
  // Warm-up: one whole untimed pass, so the measured passes see a warm session and memory arena.
  await embedSentences(executor, store, texts, { batchSize: 32 });
  const warm = engine.cacheStats();
  for (const batch of BATCHES) {
    const started = performance.now();
    const { vectors } = await embedSentences(executor, store, texts, { batchSize: batch });
    const seconds = (performance.now() - started) / 1000;
    if (vectors.length !== texts.length) throw new Error(`embedded ${vectors.length} of ${texts.length} texts`);
    const rate = texts.length / seconds;
    const reference = st?.get(batch);
    const refRate = reference === undefined ? undefined : reference.texts / reference.seconds;
    print({
      metric: `texts_per_s/batch-${batch}`,
      value: Number(rate.toFixed(1)),
      unit: 'texts/s',
      ...(refRate === undefined
        ? {}
        : { ratio: Number((rate / refRate).toFixed(3)), ratio_to: 'sentence-transformers', reference_value: Number(refRate.toFixed(1)) }),
      goal: `>= ${GOALS[batch]}x`,
      texts: texts.length,
      threads,
    });
  }
  const after = engine.cacheStats();
  print({ metric: 'sessions_compiled_in_measured_passes', value: after.misses - warm.misses, unit: 'sessions', cache: after });
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const stPeak = st === undefined ? undefined : Math.max(...[...st.values()].map((r) => r.peak_rss_mb));
  print({
    metric: 'peak_rss_mb',
    value: Math.round(peakMb),
    unit: 'MB',
    ...(stPeak === undefined
      ? {}
      : { ratio: Number((peakMb / stPeak).toFixed(3)), ratio_to: 'sentence-transformers', reference_value: Math.round(stPeak) }),
    goal: `<= ${RSS_GOAL_MB} MB`,
  });
}

await main();
