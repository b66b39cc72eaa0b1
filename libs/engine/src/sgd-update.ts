import { Attr, type GraphBuilder, type Node } from '@mneme/graph';
import { type OptimizerSpec } from '@mneme/execution';
import { resolveOptimizerSpec } from './optimizers.js';

/** A parameter and its gradient, already scaled by the learning rate. */
export interface ScaledGradient {
  /** Value name of the parameter in the builder. */
  readonly name: string;
  /** Value name of lr·∇ (same shape as the parameter). */
  readonly grad: string;
}

/**
 * Whether `spec` is SGD with nothing but the learning rate (no momentum, weight decay or clipping):
 * then the update is w − lr·∇ alone, and the train step seeds the backward pass with lr instead of
 * 1 so that every gradient comes out already scaled ({@link appendScaledSgdUpdate}).
 */
export function isPlainSgd(spec: OptimizerSpec): boolean {
  const r = resolveOptimizerSpec(spec);
  return r.kind === 'sgd' && r.momentum === 0 && r.weightDecay === 0 && r.clipGradNorm === undefined;
}

/**
 * Appends w′ = w − g for gradients `g` that already hold lr·∇. A weight whose gradient is a single
 * Gemm nobody else reads (the weight of a Linear/Gemm layer, A′ᵀ·dY) is updated by that Gemm itself,
 * with C = w, alpha negated and beta = 1: the gradient is never written out, and the weight is
 * read and written in one pass instead of three (gradient, lr·gradient, subtraction). The unused
 * gradient Gemm is left for dead-node pruning. Returns parameter name → value name of w′.
 */
export function appendScaledSgdUpdate(b: GraphBuilder, params: readonly ScaledGradient[]): Map<string, string> {
  const graph = b.current;
  const producers = new Map<string, Node>();
  const readers = new Map<string, number>();
  for (const node of graph.nodes) {
    for (const o of node.outputs) producers.set(o, node);
    for (const i of node.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  for (const o of graph.outputs) readers.set(o.name, (readers.get(o.name) ?? 0) + 1);
  const next = new Map<string, string>();
  for (const { name, grad } of params) {
    const gemm = producers.get(grad);
    const fusable = gemm?.opType === 'Gemm' && gemm.domain === '' && gemm.inputs.length === 2 && (readers.get(grad) ?? 0) === 0;
    if (!fusable) {
      next.set(name, b.sub(name, grad));
      continue;
    }
    const attr = (key: string, fallback: number): number => (gemm.attributes[key]?.value as number | undefined) ?? fallback;
    next.set(
      name,
      b.op('Gemm', [gemm.inputs[0]!, gemm.inputs[1]!, name], {
        transA: Attr.int(attr('transA', 0)),
        transB: Attr.int(attr('transB', 0)),
        alpha: Attr.float(-attr('alpha', 1)),
        beta: Attr.float(1),
      }),
    );
  }
  return next;
}
