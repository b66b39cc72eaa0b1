import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findWorkspaceRoot, type Dataset } from '@mneme/data';
import { embedSentences, loadEncoderStore, type EncoderStore } from '@mneme/encoders';
import { NotFoundError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { gatherRows } from '@mneme/tensor';

/** The default frozen text encoder of text benchmarks, in the model store. */
export const DEFAULT_ENCODER = '.mneme/models/all-MiniLM-L6-v2';

const stores = new Map<string, Promise<EncoderStore>>();

/** Loads (once per process) the encoder at `dir` (relative to the workspace root). */
export function encoderStore(dir: string = DEFAULT_ENCODER): Promise<EncoderStore> {
  const path = resolve(findWorkspaceRoot(process.cwd()) ?? process.cwd(), dir);
  let hit = stores.get(path);
  if (hit === undefined) {
    if (!existsSync(join(path, 'mneme-model.json'))) {
      throw new NotFoundError(`no text encoder at ${dir}: run \`npx mneme import-model\` (or \`bash tools/setup.sh\`) first`);
    }
    hit = loadEncoderStore(path);
    stores.set(path, hit);
  }
  return hit;
}

/**
 * Frozen-encoder features of every text of a data set (`n × dimension`), computed once and cached
 * on disk under `.mneme/cache/features`, keyed by the encoder's weights and the exact texts.
 */
export async function datasetFeatures(
  executor: Executor,
  store: EncoderStore,
  texts: readonly string[],
  log?: (line: string) => void,
): Promise<Float32Array> {
  const dim = store.manifest.dimension;
  const key = createHash('sha256')
    .update(store.manifest.source.weightsSha256)
    .update('\u0000')
    .update(texts.join('\u0001'))
    .digest('hex')
    .slice(0, 24);
  const dir = resolve(findWorkspaceRoot(process.cwd()) ?? process.cwd(), '.mneme/cache/features');
  const file = join(dir, `${key}.f32`);
  if (existsSync(file)) {
    const bytes = await readFile(file);
    if (bytes.byteLength === texts.length * dim * 4) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  }
  log?.(`embedding ${texts.length} texts with ${store.manifest.name} (cached afterwards)`);
  const started = performance.now();
  const { vectors } = await embedSentences(executor, store, texts, { batchSize: 64 });
  const out = new Float32Array(texts.length * dim);
  vectors.forEach((v, i) => out.set(v, i * dim));
  await mkdir(dir, { recursive: true });
  await writeFile(`${file}.tmp`, out);
  await rename(`${file}.tmp`, file);
  log?.(`embedded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

/** A text data set seen through precomputed features: same classes, labels and splits. */
export function featureDataset(text: Dataset<string[]>, features: Float32Array, dim: number): Dataset<Float32Array> {
  return Object.freeze({
    name: `${text.name}-features`,
    classes: text.classes,
    labels: text.labels,
    splits: text.splits,
    inputShape: [dim],
    gather(indices: ArrayLike<number>): Float32Array {
      return gatherRows(features, dim, indices);
    },
  });
}
