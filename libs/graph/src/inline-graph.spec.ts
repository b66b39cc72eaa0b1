import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './builder.js';
import { GraphError } from './errors.js';
import { inlineGraph } from './inline-graph.js';
import { inferShapes } from './shape-inference.js';
import { createTensor } from './tensor-value.js';

/** y = x·w + x, with a node named like the one the outer graph already has. */
function inner() {
  const b = new GraphBuilder({ name: 'inner' });
  const x = b.input('x', 'float32', ['batch', 2]);
  const w = b.initializer('w', createTensor('float32', [2, 2], Float32Array.from([1, 2, 3, 4])));
  b.op('Add', [b.matMul(x, w), x], {}, { name: 'Add', outputs: ['y'] });
  b.output('y', 'float32', ['batch', 2]);
  return b.buildGraph();
}

describe('inlineGraph', () => {
  it('chains a graph twice under prefixes, renaming every value and sharing initializer data', () => {
    const g = inner();
    const b = new GraphBuilder({ name: 'outer' });
    const x = b.input('x', 'float32', ['batch', 2]);
    const first = inlineGraph(b, g, new Map([['x', x]]), 'a/');
    const second = inlineGraph(b, g, new Map([['x', first.get('y')!]]), 'b/');
    b.output(second.get('y')!, 'float32', ['batch', 2]);
    const out = b.buildGraph();
    expect(first.get('y')).toMatch(/^a\//);
    expect(second.get('y')).toMatch(/^b\//);
    expect(new Set(out.nodes.map((n) => n.name)).size).toBe(out.nodes.length);
    expect([...out.initializers.keys()]).toEqual(['a/w', 'b/w']);
    expect(out.initializers.get('a/w')!.data).toBe(g.initializers.get('w')!.data);
    expect(inferShapes(out, { dims: { batch: 3 } }).get(second.get('y')!)!.shape).toEqual([3, 2]);
  });

  it('binds an initializer to an outer value instead of copying it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2]);
    const w = b.input('w', 'float32', [2, 2]);
    inlineGraph(
      b,
      inner(),
      new Map([
        ['x', x],
        ['w', w],
      ]),
      'i/',
    );
    expect(b.buildGraph({ validate: false }).initializers.size).toBe(0);
  });

  it('refuses an unbound input, naming it', () => {
    expect(() => inlineGraph(new GraphBuilder(), inner(), new Map(), 'i/')).toThrow(GraphError);
    expect(() => inlineGraph(new GraphBuilder(), inner(), new Map(), 'i/')).toThrow(/unbound: x/);
  });
});
