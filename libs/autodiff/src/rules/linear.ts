/** Gradient rules of MatMul and Gemm. */
import type { GradContext, GradientRule } from '../grad-context.js';

const dy0 = (ctx: GradContext): string => ctx.dy(0) ?? ctx.fail('no cotangent for output 0');

/** Swaps the last two axes of a value of rank `rank`. */
function swapLast(ctx: GradContext, x: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return ctx.b.transpose(x, perm);
}

/**
 * numpy matmul. 1-D operands are promoted to matrices (and the cotangent likewise), batch dims
 * broadcast, and gradients are summed back over broadcast batch dims. A 2-D weight multiplied by a
 * batched activation gets its gradient from one flattened GEMM instead of a batched product and a sum.
 */
export const matMul: GradientRule = (ctx) => {
  const { b } = ctx;
  let [a, w] = [ctx.input(0), ctx.input(1)];
  let [aShape, wShape] = [ctx.type(a).shape, ctx.type(w).shape];
  let dy = dy0(ctx);
  let yShape = ctx.type(ctx.output(0)).shape;
  const [aRank1, wRank1] = [aShape.length === 1, wShape.length === 1];
  if (aRank1) {
    a = b.unsqueeze(a, [0]);
    aShape = [1, ...aShape];
    dy = b.unsqueeze(dy, [-2]);
    yShape = [...yShape.slice(0, -1), 1, ...yShape.slice(-1)];
  }
  if (wRank1) {
    w = b.unsqueeze(w, [1]);
    wShape = [...wShape, 1];
    dy = b.unsqueeze(dy, [-1]);
    yShape = [...yShape, 1];
  }
  // A promoted 1-D operand gets its gradient reshaped back to 1-D.
  const restore = (g: string, rank1: boolean, original: readonly number[]) => (rank1 ? b.reshape(g, [...original]) : g);

  let da: string | undefined;
  let dw: string | undefined;
  if (ctx.needs(0)) {
    // dA = dY · Wᵀ; a constant W's transpose is folded once by the runtime.
    const g = b.matMul(dy, swapLast(ctx, w, wShape.length));
    da = restore(
      ctx.unbroadcast(g, [...yShape.slice(0, -2), aShape.at(-2)!, aShape.at(-1)!], aShape),
      aRank1,
      ctx.type(ctx.input(0)).shape,
    );
  }
  if (ctx.needs(1)) {
    if (wShape.length === 2 && aShape.length > 2) {
      // dW = A2ᵀ · dY2 with A2 = A as [rows, k], dY2 = dY as [rows, n].
      const k = aShape.at(-1)!;
      const n = yShape.at(-1)!;
      const g = b.gemm(b.reshape(a, [-1, k]), b.reshape(dy, [-1, n]), undefined, { transA: true });
      dw = restore(g, wRank1, ctx.type(ctx.input(1)).shape);
    } else {
      const g = b.matMul(swapLast(ctx, a, aShape.length), dy);
      dw = restore(
        ctx.unbroadcast(g, [...yShape.slice(0, -2), wShape.at(-2)!, wShape.at(-1)!], wShape),
        wRank1,
        ctx.type(ctx.input(1)).shape,
      );
    }
  }
  return [da, dw];
};

/** Y = alpha · A' · B' + beta · C with A' = transA ? Aᵀ : A and B' likewise. */
export const gemm: GradientRule = (ctx) => {
  const { b } = ctx;
  const dy = dy0(ctx);
  const [a, w, c] = [ctx.input(0), ctx.input(1), ctx.input(2)];
  const alpha = ctx.attrFloat('alpha', 1);
  const beta = ctx.attrFloat('beta', 1);
  const transA = ctx.attrInt('transA', 0) === 1;
  const transB = ctx.attrInt('transB', 0) === 1;
  // dA' = alpha · dY · B'ᵀ ; dB' = alpha · A'ᵀ · dY ; transpose back when the operand was transposed.
  const da = !ctx.needs(0)
    ? undefined
    : transA
      ? b.gemm(w, dy, undefined, { transA: transB, transB: true, alpha })
      : b.gemm(dy, w, undefined, { transB: !transB, alpha });
  const dw = !ctx.needs(1)
    ? undefined
    : transB
      ? b.gemm(dy, a, undefined, { transA: true, transB: transA, alpha })
      : b.gemm(a, dy, undefined, { transA: !transA, alpha });
  let dc: string | undefined;
  if (c !== '' && ctx.needs(2)) {
    const scaled = beta === 1 ? dy : b.mul(dy, ctx.scalar(beta, ctx.type(c).dtype));
    dc = ctx.unbroadcast(scaled, ctx.type(ctx.output(0)).shape, ctx.type(c).shape);
  }
  return [da, dw, dc];
};
