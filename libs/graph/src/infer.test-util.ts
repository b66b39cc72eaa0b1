/** Test helper: build a small graph with the builder and infer the types of chosen values. */
import { type DType } from '@mneme/tensor';
import { GraphBuilder } from './builder.js';
import { type TensorType } from './rule-context.js';
import { inferGraph } from './shape-inference.js';

/** Input declarations: name → [dtype, shape]. */
export type InputSpec = Record<string, [DType, number[]]>;

/** Builds a graph (inputs first, then `build`) and returns the types of the values `build` returns. */
export function inferValues(inputs: InputSpec, build: (b: GraphBuilder) => string | string[], opset = 17): TensorType[] {
  const b = new GraphBuilder({ opset });
  for (const [name, [dtype, shape]] of Object.entries(inputs)) b.input(name, dtype, shape);
  const result = build(b);
  const names = typeof result === 'string' ? [result] : result;
  const { types } = inferGraph(b.build(), {});
  return names.map((n) => {
    const t = types.get(n);
    if (t === undefined) throw new Error(`no type inferred for '${n}'`);
    return t;
  });
}

/** Shapes of the values `build` returns. */
export function inferShapesOf(inputs: InputSpec, build: (b: GraphBuilder) => string | string[], opset = 17): number[][] {
  return inferValues(inputs, build, opset).map((t) => t.shape);
}

/** Folded elements of the values `build` returns (`undefined` when not folded). */
export function foldedValues(inputs: InputSpec, build: (b: GraphBuilder) => string | string[], opset = 17): (number[] | undefined)[] {
  const b = new GraphBuilder({ opset });
  for (const [name, [dtype, shape]] of Object.entries(inputs)) b.input(name, dtype, shape);
  const result = build(b);
  const names = typeof result === 'string' ? [result] : result;
  const { constants } = inferGraph(b.build(), {});
  return names.map((n) => constants.get(n));
}
