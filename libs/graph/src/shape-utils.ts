/** Shape arithmetic and small n-d helpers used by rules and constant folding. */
import { type RuleContext } from './rule-context.js';
import { elementCount } from './tensor-value.js';

/** Normalises a possibly negative axis for a tensor of `rank`, failing when out of range. */
export function normalizeAxis(ctx: RuleContext, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    ctx.fail(`${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes and rejects duplicates. */
export function normalizeAxes(ctx: RuleContext, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(ctx, a, rank, what));
  if (new Set(out).size !== out.length) ctx.fail(`${what} [${axes.join(', ')}] contains duplicates`);
  return out;
}

/** Numpy-style multidirectional broadcast of several shapes. */
export function broadcastShapes(ctx: RuleContext, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) {
        ctx.fail(`cannot broadcast shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`);
      }
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Builds the elements of an output of `outShape` by asking `source` for the flat input position of
 * each output multi-index; the workhorse of folding Gather, Slice, Transpose, Expand and Tile.
 */
export function gatherByIndex(
  outShape: readonly number[],
  values: readonly number[],
  source: (index: readonly number[]) => number,
): number[] {
  const count = elementCount(outShape);
  const out = new Array<number>(count);
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < count; flat++) {
    out[flat] = values[source(index)]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Flat position in a tensor of `shape` that broadcasts to the output multi-index `index`. */
export function broadcastSource(shape: readonly number[], index: readonly number[]): number {
  const strides = stridesOf(shape);
  const offset = index.length - shape.length;
  let flat = 0;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] !== 1) flat += index[d + offset]! * strides[d]!;
  }
  return flat;
}

/** Elementwise map over broadcast inputs. */
export function broadcastMap(
  outShape: readonly number[],
  inputs: readonly { shape: readonly number[]; values: readonly number[] }[],
  fn: (args: number[]) => number,
): number[] {
  const expanded = inputs.map((input) => gatherByIndex(outShape, input.values, (index) => broadcastSource(input.shape, index)));
  const count = elementCount(outShape);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = fn(expanded.map((e) => e[i]!));
  return out;
}
