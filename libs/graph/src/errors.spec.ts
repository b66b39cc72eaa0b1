// Graph errors are MnemeErrors: what is wrong with a model or its inputs is `invalid-argument` (a
// service sends it to its caller with the message), misuse of the builder by code is `internal`.
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { Attr } from './attributes.js';
import { GraphBuilder } from './builder.js';
import { GraphError, ModelFormatError } from './errors.js';
import { decodeModel, encodeModel } from './model-codec.js';
import { inferShapes } from './shape-inference.js';

const f32 = 'float32';

describe('graph errors', () => {
  it('are invalid-argument when the model is at fault', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32, [2, 3]);
    b.output(b.op('Transpose', [x], { perm: Attr.ints([1, 0]) }), f32);
    const bytes = encodeModel(b.build());
    const faults: [string, () => unknown][] = [
      ['cut-short bytes', () => decodeModel(bytes.subarray(0, bytes.length - 3))],
      ['an unknown element type', () => inferShapes(withNode('Cast', { to: Attr.int(99) }))],
      ['an op without a shape rule', () => inferShapes(withNode('NoSuchOp', {}))],
      ['an attribute of the wrong type', () => inferShapes(withNode('Transpose', { perm: Attr.string('1,0') }))],
    ];
    for (const [what, fault] of faults) {
      const err = caught(fault);
      expect({ what, isMneme: err instanceof MnemeError, isGraph: err instanceof GraphError, kind: err.kind }).toEqual({
        what,
        isMneme: true,
        isGraph: true,
        kind: 'invalid-argument',
      });
    }
    expect(caught(() => decodeModel(bytes.subarray(0, bytes.length - 3)))).toBeInstanceOf(ModelFormatError);
  });

  it('are internal when the calling code misuses the builder', () => {
    const b = new GraphBuilder();
    expect(caught(() => b.output('missing', f32))).toMatchObject({
      kind: 'internal',
      code: 'graph',
      message: "Output 'missing' is not a value of the graph",
    });
  });

  it('keep the kind of a MnemeError they wrap', () => {
    expect(GraphError.from(new InvalidArgumentError('bad width')).kind).toBe('invalid-argument');
    expect(GraphError.from(new Error('bug')).kind).toBe('internal');
  });
});

/** A [2, 3] input through one node of `opType`. */
function withNode(opType: string, attributes: Parameters<GraphBuilder['op']>[2]) {
  const b = new GraphBuilder();
  b.output(b.op(opType, [b.input('x', f32, [2, 3])], attributes), f32);
  return b.build();
}

function caught(fn: () => unknown): MnemeError & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as MnemeError;
  }
  throw new MnemeError('internal', 'expected a throw');
}
