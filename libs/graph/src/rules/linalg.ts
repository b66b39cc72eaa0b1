/** Rules for MatMul, Gemm and Einsum. */
import { attrInt, attrString } from '../attributes.js';
import { type OpRule, type RuleContext } from '../rule-context.js';
import { broadcastShapes } from '../shape-utils.js';
import { sameDtypes } from './elementwise.js';

/** MatMul(A, B) with numpy semantics: 1-D operands are promoted and their dim removed again. */
export const matMulRule: OpRule = {
  infer: (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    const dtype = sameDtypes(ctx, [a, b]);
    if (a.shape.length === 0 || b.shape.length === 0) ctx.fail('operands must have rank ≥ 1');
    const left = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
    const right = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
    const k = left[left.length - 1];
    if (k !== right[right.length - 2]) ctx.fail(`inner dimensions differ: [${a.shape.join(', ')}] × [${b.shape.join(', ')}]`);
    const batch = broadcastShapes(ctx, [left.slice(0, -2), right.slice(0, -2)]);
    const out = [...batch];
    if (a.shape.length > 1) out.push(left[left.length - 2]!);
    if (b.shape.length > 1) out.push(right[right.length - 1]!);
    return [{ dtype, shape: out }];
  },
};

/** Gemm(A, B, C?) = alpha·A'·B' + beta·C with transA/transB; C broadcasts to [M, N]. */
export const gemmRule: OpRule = {
  infer: (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    const c = ctx.optionalInput(2);
    const dtype = sameDtypes(ctx, c === undefined ? [a, b] : [a, b, c]);
    if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail('A and B must be 2-D');
    const [m, ka] = attrInt(ctx.node, 'transA', 0) !== 0 ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = attrInt(ctx.node, 'transB', 0) !== 0 ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (ka !== kb) ctx.fail(`inner dimensions differ: A' is [${m}, ${ka}], B' is [${kb}, ${n}]`);
    if (c !== undefined) {
      // Unidirectional: C must broadcast to [M, N] without changing it.
      const out = broadcastShapes(ctx, [[m, n], c.shape]);
      if (out.length !== 2 || out[0] !== m || out[1] !== n)
        ctx.fail(`C of shape [${c.shape.join(', ')}] does not broadcast to [${m}, ${n}]`);
    }
    return [{ dtype, shape: [m, n] }];
  },
};

function parseEinsum(ctx: RuleContext, count: number): { inputs: string[]; output: string | undefined } {
  const equation = attrString(ctx.node, 'equation').replace(/\s+/g, '');
  if (equation.includes('.')) ctx.fail(`ellipsis in equation '${equation}' is not supported`);
  const [lhs, output] = equation.split('->') as [string, string | undefined];
  const inputs = lhs.split(',');
  if (inputs.length !== count) ctx.fail(`equation '${equation}' names ${inputs.length} operands for ${count} inputs`);
  for (const term of [...inputs, output ?? '']) if (!/^[a-zA-Z]*$/.test(term)) ctx.fail(`equation '${equation}' is malformed`);
  return { inputs, output };
}

/** Einsum(inputs...) with an explicit or implicit output (no ellipsis). */
export const einsumRule: OpRule = {
  infer: (ctx) => {
    const types = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
    const dtype = sameDtypes(ctx, types);
    const { inputs, output } = parseEinsum(ctx, types.length);
    const sizes = new Map<string, number>();
    const counts = new Map<string, number>();
    inputs.forEach((term, i) => {
      const shape = types[i]!.shape;
      if (term.length !== shape.length) ctx.fail(`operand ${i} '${term}' has rank ${shape.length}`);
      [...term].forEach((letter, d) => {
        counts.set(letter, (counts.get(letter) ?? 0) + 1);
        const known = sizes.get(letter);
        const dim = shape[d]!;
        // Size-1 dims broadcast against the label's size, as numpy allows.
        if (known === undefined || known === 1) sizes.set(letter, dim);
        else if (dim !== 1 && dim !== known) ctx.fail(`label '${letter}' has sizes ${known} and ${dim}`);
      });
    });
    const letters =
      output ??
      [...counts.keys()]
        .filter((l) => counts.get(l) === 1)
        .sort()
        .join('');
    const shape = [...letters].map((l) => sizes.get(l) ?? ctx.fail(`output label '${l}' appears in no operand`));
    return [{ dtype, shape }];
  },
};
