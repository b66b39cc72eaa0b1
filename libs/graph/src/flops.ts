import { attrInt } from './attributes.js';
import type { Graph, Model } from './ir.js';
import { inferShapes } from './shape-inference.js';

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Floating-point operations of one run of a graph, its symbolic dims bound by `dims`, counting only
 * the products that dominate (MatMul, Gemm, Conv, ConvTranspose, the contrib Attention and
 * MultiHeadAttention; 2 per multiply-add). Used to size thread pools:
 * small graphs run faster on one thread than on several that must synchronise.
 */
export function estimateFlops(target: Model | Graph, dims: Readonly<Record<string, number>> = {}): number {
  const graph = 'graph' in target ? target.graph : target;
  const types = inferShapes(target, { dims });
  const shape = (v: string) => types.get(v)?.shape ?? [];
  let flops = 0;
  for (const node of graph.nodes) {
    const out = shape(node.outputs[0] ?? '');
    switch (node.opType) {
      case 'MatMul': {
        const a = shape(node.inputs[0]!);
        flops += 2 * product(out) * (a.at(-1) ?? 1);
        break;
      }
      case 'Gemm': {
        const a = shape(node.inputs[0]!);
        const k = attrInt(node, 'transA', 0) === 1 ? a[0]! : a[1]!;
        flops += 2 * product(out) * k;
        break;
      }
      case 'Conv': {
        const w = shape(node.inputs[1]!);
        flops += 2 * product(out) * product(w.slice(1));
        break;
      }
      case 'ConvTranspose': {
        const x = shape(node.inputs[0]!);
        const w = shape(node.inputs[1]!);
        flops += 2 * product(x) * product(w.slice(1));
        break;
      }
      case 'Attention': {
        // Packed Q/K/V projection, then Q·Kᵀ and P·V.
        const [x, w] = [shape(node.inputs[0]!), shape(node.inputs[1]!)];
        const [batch = 1, seq = 1, width = 1] = x;
        const hidden = (w[1] ?? 0) / 3;
        flops += 2 * batch * seq * width * 3 * hidden + 4 * batch * seq * seq * hidden;
        break;
      }
      case 'MultiHeadAttention': {
        const [q, k, v] = [shape(node.inputs[0]!), shape(node.inputs[1]!), shape(node.inputs[2]!)];
        flops += 2 * (q[0] ?? 1) * (q[1] ?? 1) * (k[1] ?? 1) * ((q[2] ?? 0) + (v[2] ?? 0));
        break;
      }
      default:
        break;
    }
  }
  return flops;
}
