import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VectorIndex } from './vector-index.js';

/** Seeded uniform floats in [−0.5, 0.5) (mulberry32), so tests never depend on Math.random. */
function randomVectors(n: number, d: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n * d);
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

const range = (n: number, from = 0) => Int32Array.from({ length: n }, (_, i) => from + i);

describe('VectorIndex', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('finds stored vectors with their labels, nearest first, by cosine distance', () => {
    const index = new VectorIndex({ dimensions: 3 });
    index.add([10, 11, 12], Float32Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3), [0, 1, 2], [{ source: 'a' }, null, undefined]);
    const hits = index.search(Float32Array.of(0.9, 0.1, 0), 2);
    expect([...hits.ids]).toEqual([10, 11]);
    expect([...hits.labels]).toEqual([0, 1]);
    expect(hits.distances[0]).toBeCloseTo(1 - 0.9 / Math.hypot(0.9, 0.1), 5);
    expect(index.get([10]).metadata).toEqual([{ source: 'a' }]);
    // Vectors are stored unit-normalised.
    expect([...index.get([11]).vectors]).toEqual([0, 1, 0]);
  });

  it('deletes entries from the store and the graph, and accepts the id again afterwards', () => {
    const d = 16;
    const index = new VectorIndex({ dimensions: d, exactBelow: 50 });
    const vectors = randomVectors(200, d, 1);
    index.add(range(200), vectors, range(200));
    expect(index.approximate).toBe(true);
    expect(index.delete([5, 7, 5, 999])).toBe(2);
    expect(index.size).toBe(198);
    expect(index.has(5)).toBe(false);
    const hits = index.search(vectors.subarray(5 * d, 6 * d), 10);
    expect([...hits.ids]).not.toContain(5);
    expect(() => index.get([5])).toThrow(NotFoundError);
    index.add([5], vectors.subarray(5 * d, 6 * d), [5]);
    expect(index.search(vectors.subarray(5 * d, 6 * d), 1).ids[0]).toBe(5);
  });

  it('agrees with exact search on a small set (recall@10 ≥ 0.95, same nearest entry)', () => {
    const d = 32;
    const n = 1000;
    const vectors = randomVectors(n, d, 2);
    const exact = new VectorIndex({ dimensions: d, exactBelow: Number.MAX_SAFE_INTEGER });
    const hnsw = new VectorIndex({ dimensions: d, exactBelow: 0 });
    exact.add(range(n), vectors, range(n));
    hnsw.add(range(n), vectors, range(n));
    expect(exact.approximate).toBe(false);
    expect(hnsw.approximate).toBe(true);
    const queries = randomVectors(50, d, 3);
    let found = 0;
    const a = exact.searchBatch(queries, 10);
    const b = hnsw.searchBatch(queries, 10);
    a.forEach((hits, q) => {
      const truth = new Set(hits.ids);
      found += [...b[q]!.ids].filter((id) => truth.has(id)).length;
      expect(b[q]!.ids[0]).toBe(hits.ids[0]);
      // Exact distances are sorted and correct.
      for (let i = 1; i < hits.distances.length; i++) expect(hits.distances[i]!).toBeGreaterThanOrEqual(hits.distances[i - 1]!);
    });
    expect(found / (50 * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('gives identical answers for identical inserts (deterministic construction)', () => {
    const d = 24;
    const vectors = randomVectors(600, d, 4);
    const build = () => {
      const index = new VectorIndex({ dimensions: d, exactBelow: 100 });
      for (let start = 0; start < 600; start += 50)
        index.add(range(50, start), vectors.subarray(start * d, (start + 50) * d), range(50, start));
      return index;
    };
    const queries = randomVectors(20, d, 5);
    expect(build().searchBatch(queries, 10)).toEqual(build().searchBatch(queries, 10));
  });

  it('saves and reloads bit-exactly (entries, labels, metadata, graph) and replaces older saves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vector-index-'));
    dirs.push(dir);
    const d = 8;
    const vectors = randomVectors(300, d, 6);
    for (const exactBelow of [1000, 100]) {
      const index = new VectorIndex({ dimensions: d, exactBelow, capacity: 500 });
      index.add(
        range(300),
        vectors,
        Int32Array.from(range(300), (i) => i % 7),
        Array.from({ length: 300 }, (_, i) => (i % 2 ? { i } : null)),
      );
      index.delete([3, 4]);
      await index.save(dir);
      const loaded = await VectorIndex.load(dir);
      expect(loaded.size).toBe(298);
      expect(loaded.capacity).toBe(500);
      expect(loaded.approximate).toBe(index.approximate);
      expect(loaded.entries()).toEqual(index.entries());
      const queries = randomVectors(10, d, 7);
      expect(loaded.searchBatch(queries, 5)).toEqual(index.searchBatch(queries, 5));
    }
    const files = (await readdir(dir)).sort();
    expect(files.filter((f) => f.startsWith('entries-'))).toHaveLength(1);
    expect(files).toContain('manifest.json');
    await expect(VectorIndex.load(join(dir, 'missing'))).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects bad input with an InvalidArgumentError and changes nothing', () => {
    const index = new VectorIndex({ dimensions: 4, capacity: 3 });
    index.add([1], Float32Array.of(1, 0, 0, 0), [0]);
    const before = index.entries();
    const bad: [string, () => void][] = [
      ['NaN', () => index.add([2], Float32Array.of(Number.NaN, 0, 0, 0), [0])],
      ['zero vector', () => index.add([2], new Float32Array(4), [0])],
      ['wrong width', () => index.add([2], new Float32Array(3).fill(1), [0])],
      ['duplicate id', () => index.add([1], Float32Array.of(0, 1, 0, 0), [0])],
      ['negative id', () => index.add([-1], Float32Array.of(0, 1, 0, 0), [0])],
      ['bad label', () => index.add([2], Float32Array.of(0, 1, 0, 0), [1.5])],
      ['over capacity', () => index.add([2, 3, 4], new Float32Array(12).fill(1), [0, 0, 0])],
      ['query width', () => index.search(new Float32Array(5), 1)],
      ['query NaN', () => index.search(Float32Array.of(Number.NaN, 0, 0, 0), 1)],
      ['k', () => index.search(Float32Array.of(1, 0, 0, 0), 0)],
      ['options', () => new VectorIndex({ dimensions: 0 })],
    ];
    for (const [name, call] of bad) expect(call, name).toThrow(InvalidArgumentError);
    expect(index.entries()).toEqual(before);
    expect(index.search(Float32Array.of(1, 0, 0, 0), 5).ids).toEqual(Int32Array.of(1));
    expect(new VectorIndex({ dimensions: 4 }).search(Float32Array.of(1, 0, 0, 0), 3).ids).toHaveLength(0);
  });
});
