// Fidelity of the imported all-MiniLM-L6-v2 against sentence-transformers: token ids exactly, and
// normalised mean-pooled embeddings to cosine ≥ 0.9999, on the fixture written by
// libs/encoders/fixtures/make-fidelity-fixture.py. Needs the model store (`npm run setup` imports it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExecutor, Engine } from '@mneme/engine';
import { describe, expect, it } from 'vitest';
import { loadEncoderStore, type EncoderStore } from './model-store.js';
import { cosine, embedSentences } from './sentence-embeddings.js';

const ROOT = join(import.meta.dirname, '../../..');
const STORE = join(ROOT, '.mneme/models/all-MiniLM-L6-v2');
const FIXTURE = join(import.meta.dirname, '../fixtures/all-minilm-l6-v2-reference.json');
const MIN_COSINE = 0.9999;

interface Fixture {
  maxLength: number;
  dimension: number;
  source: { weightsSha256: string };
  cases: { text: string; ids: number[]; embedding: number[] }[];
}

const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
const haveStore = existsSync(join(STORE, 'mneme-model.json'));

describe('all-MiniLM-L6-v2 fidelity fixture', () => {
  it('covers at least 50 sentences and the edge cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(50);
    const texts = fixture.cases.map((c) => c.text);
    expect(texts).toContain('');
    expect(texts).toContain('café naïve résumé');
    expect(texts).toContain('我爱自然语言处理');
    expect(texts.some((t) => /\p{Extended_Pictographic}/u.test(t))).toBe(true);
    expect(fixture.cases.some((c) => c.ids.length === fixture.maxLength)).toBe(true);
    expect(fixture.cases.every((c) => c.embedding.length === fixture.dimension)).toBe(true);
  });
});

/** Embeds every fixture sentence with `store` and checks ids and cosines against the reference. */
async function checkFidelity(store: EncoderStore, label: string): Promise<void> {
  expect(store.manifest.source.weightsSha256).toBe(fixture.source.weightsSha256);
  expect(store.manifest.tokenizer.maxLength).toBe(fixture.maxLength);
  const executor = createExecutor(await Engine.create({ device: 'cpu' }));
  const started = performance.now();
  const { vectors, ids } = await embedSentences(
    executor,
    store,
    fixture.cases.map((c) => c.text),
    { batchSize: 16 },
  );
  const seconds = (performance.now() - started) / 1000;

  const idMismatches = fixture.cases.filter((c, i) => JSON.stringify(ids[i]) !== JSON.stringify(c.ids)).map((c) => c.text.slice(0, 60));
  const cosines = fixture.cases.map((c, i) => cosine(vectors[i]!, c.embedding));
  const worst = cosines.reduce((w, c, i) => (c < cosines[w]! ? i : w), 0);
  console.info(
    `MiniLM fidelity (${label}): token ids ${fixture.cases.length - idMismatches.length}/${fixture.cases.length} exact; ` +
      `min cosine ${cosines[worst]!.toFixed(9)} (1 − cos = ${(1 - cosines[worst]!).toExponential(2)}, '${fixture.cases[worst]!.text.slice(0, 40)}'); ` +
      `mean ${(cosines.reduce((s, c) => s + c, 0) / cosines.length).toFixed(7)}; embedded in ${seconds.toFixed(1)} s`,
  );
  expect(idMismatches).toEqual([]);
  expect(cosines[worst]).toBeGreaterThanOrEqual(MIN_COSINE);
}

describe('all-MiniLM-L6-v2 against sentence-transformers', () => {
  const title = haveStore
    ? 'tokenises every fixture sentence to the reference ids and embeds it to cosine ≥ 0.9999'
    : 'run `npm run setup` to import all-MiniLM-L6-v2';
  it.skipIf(!haveStore)(title, async () => {
    await checkFidelity(await loadEncoderStore(STORE), 'embedSentences');
  });

  // The forward-only graph on ONNX Runtime's fused kernels (what inference runs), explicitly.
  it.skipIf(!haveStore)(
    'embeds to cosine ≥ 0.9999 with the fused inference encoder too',
    async () => {
      const store = await loadEncoderStore(STORE);
      await checkFidelity({ ...store, encoder: store.inferenceEncoder }, 'fused inference encoder');
    },
    120_000,
  );
});
