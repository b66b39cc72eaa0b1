/**
 * Summarises per-seed result files of one benchmark into mean ± sample standard deviation, for
 * benchmarks that run one process per seed (long runs on a shared machine). Each input is a JSON
 * file; `--metric name=dotted.path` picks a number from every file (e.g.
 * `continual.recall_at_10`), or every element's with a `*` segment for files that hold several
 * seeds (e.g. `report.0.runs.*.acc`). Writes `--out` with the per-seed values and their statistics and
 * prints a Markdown table.
 *
 *   node --conditions=@mneme/source --import tsx tools/bench/seed-summary.ts \
 *     --out results/l2p-retrieval/summary.json \
 *     --metric frozen/recall@1=frozen.recall_at_1 --metric continual/recall@1=continual.recall_at_1 \
 *     results/l2p-retrieval/seed*.json
 */
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const metrics: [string, string][] = [];
const files: string[] = [];
let out: string | undefined;
let seedPath = 'settings.seed';
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--out') out = args[++i];
  else if (a === '--seed-path') seedPath = args[++i]!;
  else if (a === '--metric') {
    const spec = args[++i] ?? '';
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--metric takes name=dotted.path, got '${spec}'`);
    metrics.push([spec.slice(0, eq), spec.slice(eq + 1)]);
  } else files.push(a);
}
if (files.length === 0 || metrics.length === 0 || out === undefined) {
  console.error('usage: seed-summary.ts --out <file.json> --metric <name>=<dotted.path> [...] <seed files...>');
  process.exit(2);
}

const pick = (doc: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), doc);

/** The values at `path`; a `*` segment fans out over an array's elements. */
function pickAll(doc: unknown, path: string): unknown[] {
  const star = path.split('.').indexOf('*');
  if (star < 0) return [pick(doc, path)];
  const segments = path.split('.');
  const head = pick(doc, segments.slice(0, star).join('.'));
  if (!Array.isArray(head)) return [undefined];
  const rest = segments.slice(star + 1).join('.');
  return head.flatMap((item: unknown) => (rest === '' ? [item] : pickAll(item, rest)));
}

const docs = files.map((f) => ({ file: f, doc: JSON.parse(readFileSync(f, 'utf8')) as unknown }));
const rows = metrics.map(([name, path]) => {
  const values = docs.flatMap(({ file, doc }) =>
    pickAll(doc, path).map((v) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: '${path}' is not a finite number`);
      return v;
    }),
  );
  const mean = values.reduce((a, x) => a + x, 0) / values.length;
  const std = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / (values.length - 1));
  return { metric: name, path, mean, std, values };
});
const summary = {
  what: 'mean and sample standard deviation over the per-seed files',
  seeds: docs.flatMap(({ doc }) => pickAll(doc, seedPath).map((v) => v ?? null)),
  files,
  metrics: rows,
  command: `node --conditions=@mneme/source --import tsx tools/bench/seed-summary.ts ${args.join(' ')}`,
};
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`| metric | mean | std | n |\n|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.metric} | ${r.mean.toFixed(4)} | ${r.std.toFixed(4)} | ${r.values.length} |`);
