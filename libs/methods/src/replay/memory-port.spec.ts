import { describe, expect, it } from 'vitest';
import { Rng } from '@mneme/random';
import type { HeldRows, MemoryListener } from './memory-listener.js';
import { IN_PROCESS_MEMORY, listenedMemoryPort, type MemoryDescription } from './memory-port.js';

/** A replica kept only from a listener's calls: id → [label, row]. */
class Mirror implements MemoryListener {
  readonly held = new Map<number, { label: number; row: number[] }>();
  calls = 0;
  constructor(private readonly width: number) {}
  stored(rows: HeldRows): void {
    this.calls++;
    rows.ids.forEach((id, i) => {
      expect(this.held.has(id), `id ${id} stored twice`).toBe(false);
      this.held.set(id, { label: rows.labels[i]!, row: Array.from(rows.features.subarray(i * this.width, (i + 1) * this.width)) });
    });
  }
  removed(ids: readonly number[]): void {
    this.calls++;
    for (const id of ids) expect(this.held.delete(id), `id ${id} removed but not held`).toBe(true);
  }
  replaced(rows: HeldRows): void {
    this.held.clear();
    this.stored(rows);
  }
}

function asMap(rows: HeldRows, width: number): Map<number, { label: number; row: number[] }> {
  return new Map(
    Array.from(rows.ids, (id, i) => [id, { label: rows.labels[i]!, row: Array.from(rows.features.subarray(i * width, (i + 1) * width)) }]),
  );
}

function batchOf(rng: Rng, first: number, n: number, width: number, classes: number) {
  return {
    features: Float32Array.from({ length: n * width }, () => rng.uniform(0.1, 1.1)),
    labels: Int32Array.from({ length: n }, () => rng.int(classes)),
    ids: Int32Array.from({ length: n }, (_, i) => first + i),
    experience: 0,
  };
}

describe('memory port', () => {
  it('makes plain memories in-process', () => {
    const memory = IN_PROCESS_MEMORY.reservoir({ capacity: 5, inputSize: 2, seed: 1 });
    memory.add({ features: new Float32Array(4), labels: Int32Array.of(0, 1), ids: Int32Array.of(1, 2), experience: 0 });
    expect(memory.size).toBe(2);
  });

  for (const balanced of [false, true]) {
    it(`a listened ${balanced ? 'class-balanced ' : ''}reservoir reports every change, so a replica equals the memory (evictions, deletes, restores)`, () => {
      const width = 3;
      const mirror = new Mirror(width);
      const described: MemoryDescription[] = [];
      const port = listenedMemoryPort((d) => (described.push(d), mirror));
      const memory = port.reservoir({ capacity: 20, inputSize: width, seed: 7, balanced });
      const plain = IN_PROCESS_MEMORY.reservoir({ capacity: 20, inputSize: width, seed: 7, balanced });
      const rng = Rng.seeded(3);
      for (let step = 0; step < 30; step++) {
        const batch = batchOf(rng, step * 8, 8, width, 2 + Math.floor(step / 10) * 2);
        memory.add(batch);
        plain.add(batch);
        expect(asMap(memory.all(), width)).toEqual(mirror.held);
      }
      // Listening changes nothing about the policy: the same seed keeps the same samples.
      expect(memory.snapshot()).toEqual(plain.snapshot());
      expect(described).toEqual([{ kind: 'reservoir', capacity: 20, inputSize: width, balanced }]);
      const victims = Array.from(memory.all().ids.subarray(0, 4));
      memory.delete([...victims, 99_999]);
      expect(asMap(memory.all(), width)).toEqual(mirror.held);
      const saved = memory.snapshot();
      memory.add(batchOf(rng, 10_000, 8, width, 6));
      memory.restore(saved);
      expect(asMap(memory.all(), width)).toEqual(mirror.held);
    });
  }

  it('a listened kNN memory reports stores, reservoir evictions, forgets and restores', () => {
    const width = 4;
    const mirror = new Mirror(width);
    const memory = listenedMemoryPort(() => mirror).knn({ inputSize: width, capacity: 15, seed: 5 });
    const rng = Rng.seeded(9);
    const expected = () => {
      const all = memory.heldRows();
      return asMap(all, width);
    };
    for (let step = 0; step < 10; step++) memory.add(batchOf(rng, step * 6, 6, width, 3));
    // The replica holds the rows as given; the memory's own copy is unit vector × norm (float rounding).
    for (const [id, held] of expected()) {
      expect(mirror.held.get(id)?.label).toBe(held.label);
      mirror.held.get(id)!.row.forEach((v, j) => expect(v).toBeCloseTo(held.row[j]!, 5));
    }
    expect([...mirror.held.keys()].sort((a, b) => a - b)).toEqual([...expected().keys()].sort((a, b) => a - b));
    const forgotten = [...mirror.held.keys()].slice(0, 3);
    expect(memory.forget(forgotten)).toBe(3);
    expect([...mirror.held.keys()].sort((a, b) => a - b)).toEqual([...expected().keys()].sort((a, b) => a - b));
    memory.restore(memory.snapshot());
    expect([...mirror.held.keys()].sort((a, b) => a - b)).toEqual([...expected().keys()].sort((a, b) => a - b));
  });
});
