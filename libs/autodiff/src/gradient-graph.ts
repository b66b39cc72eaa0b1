import { GraphBuilder, inferShapes, pruneDeadNodes, type Model } from '@mneme/graph';
import { appendGradients } from './append-gradients.js';

/** Options of {@link gradientGraph}. */
export interface GradientGraphOptions {
  /** Scalar value to differentiate. */
  loss: string;
  /** Initializers and/or graph inputs to differentiate with respect to. */
  wrt: readonly string[];
  /** Other values to return too (e.g. logits). */
  keepOutputs?: readonly string[];
}

/** A gradient model and where its gradients are. */
export interface GradientModel {
  /** Outputs: the loss, `keepOutputs`, then one gradient per `wrt` name, in order. */
  model: Model;
  /** wrt name → gradient output name (`grad/<name>`, made unique if taken). */
  gradients: ReadonlyMap<string, string>;
}

/**
 * Builds a model that computes `loss`, `keepOutputs` and the gradients of `loss` with respect to
 * `wrt`, in standard ONNX ops only. Nodes the outputs do not need are pruned. The model must have
 * static shapes (specialise symbolic dims first).
 */
export function gradientGraph(model: Model, options: GradientGraphOptions): GradientModel {
  const b = GraphBuilder.from(model);
  const grads = appendGradients(b, { loss: options.loss, wrt: options.wrt });
  const gradients = new Map<string, string>();
  for (const [name, grad] of grads) {
    // An Identity gives every gradient its own predictable name, even when it is a forward value.
    const [out] = b.op('Identity', [grad], {}, { outputs: [b.freshName(`grad/${name}`)] });
    gradients.set(name, out!);
  }
  const built = b.build({ validate: false });
  const types = inferShapes(built);
  const outputs = [...new Set([options.loss, ...(options.keepOutputs ?? []), ...gradients.values()])];
  built.graph.outputs = outputs.map((name) => {
    const t = types.get(name)!;
    return { name, dtype: t.dtype, shape: [...t.shape] };
  });
  return { model: { ...built, graph: pruneDeadNodes(built.graph) }, gradients };
}
