/**
 * kNN index at scale: for n random unit vectors of width 384 (10k, 100k, 1M by default), the HNSW
 * index's build time, single-query p50/p99 latency, and recall@10 against exact search, with exact
 * search's own latency beside it. Random vectors are the hard case for HNSW (no cluster structure),
 * so recall here is a floor for real embeddings. Prints one JSON object per line
 * ({bench:'knn', metric, value, unit, ratio, ratio_to, n}) and writes them all to `--out`.
 *
 * Run: node --conditions=@mneme/source --import tsx tools/bench/knn-scale.ts [--out results/knn-scale.json]
 * Env: MNEME_BENCH_KNN_SIZES (comma-separated, default 10000,100000,1000000), MNEME_BENCH_THREADS
 * (build threads, default 2), MNEME_BENCH_KNN_QUERIES (timed HNSW queries, default 1000),
 * MNEME_BENCH_KNN_TRUTH (queries with exact ground truth, default 200), MNEME_BENCH_KNN_EF
 * (search expansions, default 64,256), MNEME_BENCH_KNN_BUILD_BUDGET_S (stop inserting after this
 * many seconds and report the partial size, default 1800), MNEME_BENCH_KNN_DATA (`uniform`, the
 * default, or `clustered`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { VectorIndex } from '@mneme/vector-index';

const D = 384;
const K = 10;
const CHUNK = 10_000;
const sizes = (process.env['MNEME_BENCH_KNN_SIZES'] ?? '10000,100000,1000000').split(',').map(Number);
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const timedQueries = Number(process.env['MNEME_BENCH_KNN_QUERIES'] ?? 1000);
const truthQueries = Number(process.env['MNEME_BENCH_KNN_TRUTH'] ?? 200);
const efs = (process.env['MNEME_BENCH_KNN_EF'] ?? '64,256').split(',').map(Number);
const buildBudgetS = Number(process.env['MNEME_BENCH_KNN_BUILD_BUDGET_S'] ?? 1800);
const dataKind = process.env['MNEME_BENCH_KNN_DATA'] ?? 'uniform';
if (dataKind !== 'uniform' && dataKind !== 'clustered')
  throw new Error(`MNEME_BENCH_KNN_DATA must be uniform or clustered, got '${dataKind}'`);
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;

interface Line {
  bench: 'knn';
  metric: string;
  value: number;
  unit: string;
  ratio: number | null;
  ratio_to: string;
  n: number;
  [extra: string]: unknown;
}
const lines: Line[] = [];
const print = (line: Line) => {
  lines.push(line);
  console.log(JSON.stringify(line));
};
const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

/** Seeded uniform values in [−0.5, 0.5) (mulberry32): fast enough for 384M values, and repeatable. */
function randomRows(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const outRows = new Float32Array(n * D);
  for (let i = 0; i < outRows.length; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    outRows[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return outRows;
}

/**
 * Clustered data (MNEME_BENCH_KNN_DATA=clustered): n/100 random centres, each row its centre plus
 * noise of half the centres' spread, so neighbours exist as they do among real embeddings.
 */
function clusteredRows(n: number, seed: number, centres: Float32Array): Float32Array {
  const noise = randomRows(n, seed);
  const clusters = centres.length / D;
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    for (let j = 0; j < D; j++) noise[i * D + j] = centres[c * D + j]! + 0.5 * noise[i * D + j]!;
  }
  return noise;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function latencies(index: VectorIndex, queries: Float32Array, count: number): { p50: number; p99: number; hits: Int32Array[] } {
  const times: number[] = [];
  const hits: Int32Array[] = [];
  for (let q = 0; q < count; q++) {
    const query = queries.subarray(q * D, (q + 1) * D);
    const t = performance.now();
    const found = index.search(query, K);
    times.push(performance.now() - t);
    hits.push(found.ids);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), hits };
}

for (const n of sizes) {
  const tag = `${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`}${dataKind === 'clustered' ? '/clustered' : ''}`;
  const centres = dataKind === 'clustered' ? randomRows(Math.max(1, Math.floor(n / 100)), 3 + n) : undefined;
  const data = centres === undefined ? randomRows(n, 1 + n) : clusteredRows(n, 1 + n, centres);
  const queryCount = Math.max(timedQueries, truthQueries);
  const queries = centres === undefined ? randomRows(queryCount, 7 + n) : clusteredRows(queryCount, 7 + n, centres);
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const labels = new Int32Array(n);

  // Exact reference: the same index type held below its HNSW threshold (a brute-force SIMD scan).
  const exact = new VectorIndex({ dimensions: D, exactBelow: Number.MAX_SAFE_INTEGER, threads: 1 });
  exact.add(ids, data, labels);
  const truth = latencies(exact, queries, truthQueries);

  const hnsw = new VectorIndex({ dimensions: D, exactBelow: 0, threads });
  const started = performance.now();
  let inserted = 0;
  for (; inserted < n; inserted += CHUNK) {
    const end = Math.min(n, inserted + CHUNK);
    hnsw.add(ids.subarray(inserted, end), data.subarray(inserted * D, end * D), labels.subarray(inserted, end));
    if ((performance.now() - started) / 1000 > buildBudgetS && end < n) {
      inserted = end;
      break;
    }
  }
  inserted = Math.min(inserted, n);
  const buildS = (performance.now() - started) / 1000;
  const partial = inserted < n;
  print({
    bench: 'knn',
    metric: `build_s@${tag}`,
    value: round(buildS),
    unit: 's',
    ratio: round((buildS * 1e6) / inserted / D),
    ratio_to: 'µs per vector per dimension',
    n: inserted,
    threads,
    ...(partial
      ? {
          partial: true,
          note: `stopped after the ${buildBudgetS} s budget at ${inserted} of ${n} vectors; queries below run on the partial index`,
        }
      : {}),
  });
  print({ bench: 'knn', metric: `exact_query_p50_ms@${tag}`, value: round(truth.p50), unit: 'ms', ratio: 1, ratio_to: 'exact', n });
  print({ bench: 'knn', metric: `exact_query_p99_ms@${tag}`, value: round(truth.p99), unit: 'ms', ratio: 1, ratio_to: 'exact', n });

  // Ground truth among the vectors actually in the HNSW index (all of them unless the budget ran out).
  const reference = partial
    ? (() => {
        const sub = new VectorIndex({ dimensions: D, exactBelow: Number.MAX_SAFE_INTEGER, threads: 1 });
        sub.add(ids.subarray(0, inserted), data.subarray(0, inserted * D), labels.subarray(0, inserted));
        return latencies(sub, queries, truthQueries).hits;
      })()
    : truth.hits;

  for (const ef of efs) {
    const index = ef === hnsw.options.expansionSearch ? hnsw : await withExpansion(hnsw, ef);
    const timed = latencies(index, queries, timedQueries);
    let found = 0;
    reference.forEach((truthIds, q) => {
      const set = new Set(truthIds);
      found += [...timed.hits[q]!].filter((id) => set.has(id)).length;
    });
    const recall = found / (reference.length * K);
    print({
      bench: 'knn',
      metric: `hnsw_query_p50_ms@${tag}/ef${ef}`,
      value: round(timed.p50),
      unit: 'ms',
      ratio: round(timed.p50 / truth.p50),
      ratio_to: 'exact p50',
      n: inserted,
    });
    print({
      bench: 'knn',
      metric: `hnsw_query_p99_ms@${tag}/ef${ef}`,
      value: round(timed.p99),
      unit: 'ms',
      ratio: round(timed.p99 / truth.p99),
      ratio_to: 'exact p99',
      n: inserted,
    });
    print({
      bench: 'knn',
      metric: `recall@10@${tag}/ef${ef}`,
      value: round(recall),
      unit: 'fraction',
      ratio: round(recall),
      ratio_to: 'exact search',
      n: inserted,
      queries: reference.length,
    });
  }
  print({
    bench: 'knn',
    metric: `peak_rss_mb@${tag}`,
    value: round(process.resourceUsage().maxRSS / 1024),
    unit: 'MB',
    ratio: round(process.resourceUsage().maxRSS / 1024 / ((n * D * 4) / 2 ** 20)),
    ratio_to: 'raw float32 data size',
    n,
  });
}

if (out !== undefined) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ bench: 'knn', data: dataKind, dimensions: D, k: K, threads, lines }, null, 2)}\n`);
}

/**
 * The same graph searched with another expansion (ef): usearch fixes ef when an index is made, so
 * the graph goes through a save and a reload whose manifest asks for the other ef.
 */
async function withExpansion(index: VectorIndex, ef: number): Promise<VectorIndex> {
  const dir = await mkdtemp(join(tmpdir(), 'knn-scale-'));
  try {
    await index.save(dir);
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { options: { expansionSearch: number } };
    manifest.options.expansionSearch = ef;
    await writeFile(manifestPath, JSON.stringify(manifest));
    return await VectorIndex.load(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
