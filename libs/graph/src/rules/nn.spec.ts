import { type DType } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { Attr } from '../attributes.js';
import { inferShapesOf, inferValues } from '../infer.test-util.js';

const f32 = 'float32';
const i64 = 'int64';

describe('neural-network rules', () => {
  it('computes Conv output with group, pads, strides and dilations', () => {
    const attrs = { group: Attr.int(2), strides: Attr.ints([2, 1]), pads: Attr.ints([1, 0, 2, 1]), dilations: Attr.ints([2, 3]) };
    expect(inferShapesOf({ x: [f32, [1, 4, 11, 9]], w: [f32, [6, 2, 3, 2]] }, (b) => b.op('Conv', ['x', 'w'], attrs))).toEqual([
      [1, 6, 5, 7],
    ]);
    expect(
      inferShapesOf({ x: [f32, [1, 2, 7, 8]], w: [f32, [3, 2, 3, 3]], bias: [f32, [3]] }, (b) =>
        b.op('Conv', ['x', 'w', 'bias'], { auto_pad: Attr.string('SAME_UPPER'), strides: Attr.ints([2, 3]) }),
      ),
    ).toEqual([[1, 3, 4, 3]]);
    expect(() => inferShapesOf({ x: [f32, [1, 3, 8, 8]], w: [f32, [4, 2, 3, 3]] }, (b) => b.op('Conv', ['x', 'w']))).toThrow(/3 channels/);
  });

  it('computes ConvTranspose from pads/output_padding or output_shape', () => {
    const attrs = {
      strides: Attr.ints([2, 3]),
      pads: Attr.ints([1, 0, 0, 1]),
      output_padding: Attr.ints([1, 2]),
      dilations: Attr.ints([1, 2]),
    };
    expect(inferShapesOf({ x: [f32, [1, 4, 5, 6]], w: [f32, [4, 3, 3, 2]] }, (b) => b.op('ConvTranspose', ['x', 'w'], attrs))).toEqual([
      [1, 3, 11, 19],
    ]);
    expect(
      inferShapesOf({ x: [f32, [1, 4, 5, 6]], w: [f32, [4, 3, 3, 3]] }, (b) =>
        b.op('ConvTranspose', ['x', 'w'], { strides: Attr.ints([2, 2]), output_shape: Attr.ints([10, 12]), group: Attr.int(1) }),
      ),
    ).toEqual([[1, 3, 10, 12]]);
  });

  it('computes pooling with ceil_mode, pads and dilations; MaxPool indices are int64', () => {
    const [y, indices] = inferValues({ x: [f32, [1, 2, 10, 7]] }, (b) =>
      b.op(
        'MaxPool',
        ['x'],
        { kernel_shape: Attr.ints([3, 2]), strides: Attr.ints([2, 2]), ceil_mode: Attr.int(1), pads: Attr.ints([1, 0, 1, 1]) },
        { outputs: 2 },
      ),
    );
    expect(y).toEqual({ dtype: f32, shape: [1, 2, 6, 4] });
    expect(indices).toEqual({ dtype: i64, shape: [1, 2, 6, 4] });
    expect(
      inferShapesOf({ x: [f32, [1, 2, 10, 7]] }, (b) => [
        b.op('MaxPool', ['x'], { kernel_shape: Attr.ints([2, 2]), dilations: Attr.ints([2, 2]) }),
        b.op('AveragePool', ['x'], { kernel_shape: Attr.ints([3, 3]), strides: Attr.ints([3, 2]), ceil_mode: Attr.int(1) }),
        b.op('AveragePool', ['x'], { kernel_shape: Attr.ints([3, 3]), strides: Attr.ints([3, 2]) }),
        b.op('GlobalAveragePool', ['x']),
      ]),
    ).toEqual([
      [1, 2, 8, 5],
      [1, 2, 4, 3],
      [1, 2, 3, 3],
      [1, 2, 1, 1],
    ]);
    expect(() => inferShapesOf({ x: [f32, [1, 2, 4, 4]] }, (b) => b.op('MaxPool', ['x']))).toThrow(/kernel_shape/);
  });

  it('types LayerNormalization outputs including Mean and InvStdDev', () => {
    const [y, mean, inv] = inferValues({ x: [f32, [2, 3, 4]], s: [f32, [3, 4]], bias: [f32, [4]] }, (b) =>
      b.op('LayerNormalization', ['x', 's', 'bias'], { axis: Attr.int(1) }, { outputs: 3 }),
    );
    expect(y).toEqual({ dtype: f32, shape: [2, 3, 4] });
    expect(mean).toEqual({ dtype: f32, shape: [2, 1, 1] });
    expect(inv).toEqual({ dtype: f32, shape: [2, 1, 1] });
    expect(() => inferShapesOf({ x: [f32, [2, 3, 4]], s: [f32, [3]] }, (b) => b.op('LayerNormalization', ['x', 's']))).toThrow(
      /does not broadcast/,
    );
  });

  it('types SoftmaxCrossEntropyLoss for each reduction', () => {
    const inputs = { s: [f32, [3, 5, 2]], l: [i64, [3, 2]], w: [f32, [5]] } satisfies Record<string, [DType, number[]]>;
    const [mean, logProb] = inferValues(inputs, (b) => b.op('SoftmaxCrossEntropyLoss', ['s', 'l'], {}, { outputs: 2 }));
    expect(mean).toEqual({ dtype: f32, shape: [] });
    expect(logProb).toEqual({ dtype: f32, shape: [3, 5, 2] });
    expect(
      inferShapesOf(inputs, (b) => [
        b.op('SoftmaxCrossEntropyLoss', ['s', 'l', 'w'], { reduction: Attr.string('sum') }),
        b.op('SoftmaxCrossEntropyLoss', ['s', 'l'], { reduction: Attr.string('none') }),
      ]),
    ).toEqual([[], [3, 2]]);
    expect(() => inferShapesOf({ s: [f32, [3, 5]], l: [i64, [4]] }, (b) => b.op('SoftmaxCrossEntropyLoss', ['s', 'l']))).toThrow(
      /do not match scores/,
    );
  });
});
