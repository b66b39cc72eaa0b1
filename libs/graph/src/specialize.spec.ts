import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './builder.js';
import { inferShapes } from './shape-inference.js';
import { clearSpecializations, specialize } from './specialize.js';

function graph() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['batch', 'sequence', 8]);
  b.output(b.reduceSum(x, [2], false), 'float32', ['batch', 'sequence']);
  return b.buildGraph();
}

describe('specialize', () => {
  it('substitutes symbolic dims in inputs and outputs so inference needs no dims', () => {
    const g = graph();
    const s = specialize(g, { batch: 2, sequence: 16 });
    expect(s.inputs[0]!.shape).toEqual([2, 16, 8]);
    expect(s.outputs[0]!.shape).toEqual([2, 16]);
    expect(g.inputs[0]!.shape).toEqual(['batch', 'sequence', 8]);
    expect(inferShapes(s).get(s.outputs[0]!.name)!.shape).toEqual([2, 16]);
  });

  it('caches by graph identity and dims, independent of key order', () => {
    const g = graph();
    const a = specialize(g, { batch: 2, sequence: 16 });
    expect(specialize(g, { sequence: 16, batch: 2 })).toBe(a);
    expect(specialize(g, { batch: 3, sequence: 16 })).not.toBe(a);
    expect(specialize(graph(), { batch: 2, sequence: 16 })).not.toBe(a);
    clearSpecializations(g);
    expect(specialize(g, { batch: 2, sequence: 16 })).not.toBe(a);
  });

  it('leaves dims it is not given symbolic and rejects invalid sizes', () => {
    const s = specialize(graph(), { batch: 4 });
    expect(s.inputs[0]!.shape).toEqual([4, 'sequence', 8]);
    expect(() => specialize(graph(), { batch: -1 })).toThrow(/non-negative integer/);
  });
});
