/**
 * Writes a text benchmark's frozen encoder features, labels and splits to a folder, for reference
 * models outside mneme (tools/bench/logreg_reference.py):
 *
 *   features.f32  n × dimension float32, row-major, little-endian
 *   meta.json     { name, n, dimension, classes: [names], labels: [class index], splits: ['train' | 'validation' | 'test'] }
 *
 * The features are the ones the benchmarks train on (same encoder, same on-disk cache).
 *
 * Usage: node --conditions=@mneme/source --import tsx tools/bench/export-features.ts <out-dir> [--data <text folder>]
 * Without --data it exports the bundled CLINC150.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetFeatures, encoderStore } from '@mneme/benchmarks';
import { loadClinc150, loadTextSet, textDataset, type TextSet } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';

const args = process.argv.slice(2);
const dataAt = args.indexOf('--data');
const data = dataAt >= 0 ? args[dataAt + 1] : undefined;
const out = args.find((a, i) => !a.startsWith('--') && (dataAt < 0 || i !== dataAt + 1));
if (out === undefined || (dataAt >= 0 && data === undefined)) {
  process.stderr.write('usage: export-features.ts <out-dir> [--data <folder of .jsonl/.csv files>]\n');
  process.exit(2);
}

const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: Number(process.env['MNEME_THREADS'] ?? '2') }));
const store = await encoderStore();
let set: TextSet;
let name: string;
if (data === undefined) {
  set = (await loadClinc150()).set;
  name = 'clinc150';
} else {
  const files = (await readdir(data)).filter((f) => /\.(jsonl|ndjson|csv)$/i.test(f)).sort();
  set = await loadTextSet(files.map((f) => join(data, f)));
  name = 'text';
}
const features = await datasetFeatures(executor, store, set.texts, (l) => process.stderr.write(`${name}: ${l}\n`));
const dataset = textDataset(name, set);
const dimension = store.manifest.dimension;
await mkdir(out, { recursive: true });
await writeFile(join(out, 'features.f32'), features);
await writeFile(
  join(out, 'meta.json'),
  JSON.stringify({
    name,
    n: set.texts.length,
    dimension,
    classes: dataset.classes,
    labels: Array.from(dataset.labels),
    splits: dataset.splits,
  }),
);
process.stdout.write(`${name}: ${set.texts.length} × ${dimension} features written to ${out}\n`);
