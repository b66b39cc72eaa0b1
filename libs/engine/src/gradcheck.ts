/**
 * Finite-difference checking of gradient graphs on ONNX Runtime: the analytic gradients that
 * libs/autodiff emits, run by the runtime, against central differences of the forward model.
 */
import { tensor, type DType, type Tensor } from '@mneme/tensor';
import { gradientGraph } from '@mneme/autodiff';
import { Attr, cloneModel, encodeModel, onnxDTypeCode, type Model } from '@mneme/graph';
import { toOrtTensor } from './ort-tensors.js';
import ort from 'onnxruntime-node';

/** Options of {@link checkGradients}. */
export interface GradCheckOptions {
  /** Scalar loss value of the model. */
  loss: string;
  /** Graph inputs and/or initializers to check. */
  wrt: readonly string[];
  /** Values of every graph input. */
  feeds: Readonly<Record<string, Tensor>>;
  /** Finite-difference step. @default 1e-6 for float64, 1e-2 for float32 */
  eps?: number;
  /** Largest number of elements probed per wrt value (chosen evenly). @default 24 */
  probes?: number;
}

/** Outcome of {@link checkGradients}: the worst disagreement, per value. */
export interface GradCheckResult {
  /** wrt name → worst |analytic − numeric| / max(1, |numeric|) over the probed elements. */
  errors: Record<string, number>;
  /** Largest of `errors`. */
  worst: number;
}

async function run(model: Model, feeds: Readonly<Record<string, Tensor>>, outputs: readonly string[]): Promise<Float64Array[]> {
  const session = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  try {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrtTensor(v)]));
    const result = await session.run(ortFeeds, [...outputs]);
    return outputs.map((o) => Float64Array.from(result[o]!.data as Float32Array));
  } finally {
    await session.release();
  }
}

/** Moves the named initializers to graph inputs so they can be fed (and perturbed). */
export function promoteInitializers(model: Model, names: readonly string[]): { model: Model; values: Record<string, Tensor> } {
  const copy = cloneModel(model);
  const values: Record<string, Tensor> = {};
  for (const name of names) {
    const value = copy.graph.initializers.get(name);
    if (value === undefined) continue;
    copy.graph.initializers.delete(name);
    copy.graph.inputs.push({ name, dtype: value.dtype, shape: [...value.shape] });
    values[name] = value;
  }
  return { model: copy, values };
}

/**
 * Compares the gradient graph's gradients with central finite differences of the forward model
 * at up to `probes` elements of each wrt value.
 */
export async function checkGradients(model: Model, options: GradCheckOptions): Promise<GradCheckResult> {
  const { model: forward, values } = promoteInitializers(model, options.wrt);
  const feeds: Record<string, Tensor> = { ...options.feeds, ...values };
  const { model: gradModel, gradients } = gradientGraph(forward, { loss: options.loss, wrt: options.wrt });
  const gradNames = options.wrt.map((w) => gradients.get(w)!);
  const analytic = await run(gradModel, feeds, gradNames);
  const lossOnly = { ...forward, graph: { ...forward.graph, outputs: forward.graph.outputs.filter((o) => o.name === options.loss) } };

  const errors: Record<string, number> = {};
  for (const [k, name] of options.wrt.entries()) {
    const base = feeds[name]!;
    const isDouble = base.dtype === 'float64';
    const eps = options.eps ?? (isDouble ? 1e-6 : 1e-2);
    const n = base.data.length;
    const probes = Math.min(n, options.probes ?? 24);
    let worst = 0;
    for (let p = 0; p < probes; p++) {
      const idx = Math.floor((p * n) / probes);
      const at = async (delta: number) => {
        const data = (base.data as Float64Array).slice();
        data[idx] = data[idx]! + delta;
        const [loss] = await run(lossOnly, { ...feeds, [name]: { ...base, data } }, [options.loss]);
        return loss![0]!;
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      const err = Math.abs(analytic[k]![idx]! - numeric) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, err);
    }
    errors[name] = worst;
  }
  return { errors, worst: Math.max(0, ...Object.values(errors)) };
}

/**
 * A copy of a float32 model computing in float64 (initializers, inputs, outputs, constants and
 * casts), so finite differences can be taken with tight tolerances. Ops listed in `float32Ops`
 * (those ONNX Runtime's CPU provider has no double kernel for, such as Erf) run in float32
 * between casts.
 */
export function toFloat64(model: Model, float32Ops: readonly string[] = []): Model {
  const copy = cloneModel(model);
  const g = copy.graph;
  const widen = (t: Tensor): Tensor => (t.dtype === 'float32' ? tensor('float64', t.shape, Float64Array.from(t.data as Float32Array)) : t);
  for (const [name, t] of g.initializers) g.initializers.set(name, widen(t));
  for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) if (v.dtype === 'float32') v.dtype = 'float64';
  const nodes = [];
  for (const node of g.nodes) {
    for (const [key, attr] of Object.entries(node.attributes)) {
      if (attr.type === 'tensor') node.attributes[key] = { type: 'tensor', value: widen(attr.value) };
      if (node.opType === 'Cast' && key === 'to' && attr.type === 'int' && attr.value === onnxDTypeCode('float32'))
        node.attributes[key] = Attr.dtype('float64');
    }
    if (!float32Ops.includes(node.opType)) {
      nodes.push(node);
      continue;
    }
    const cast = (from: string, to: string, dtype: DType) => ({
      name: `${to}/cast`,
      opType: 'Cast',
      domain: '',
      inputs: [from],
      outputs: [to],
      attributes: { to: Attr.dtype(dtype) },
    });
    const narrowed = node.inputs.map((i) => (i === '' ? '' : `${node.name}/${i}/f32`));
    node.inputs.forEach((i, k) => i !== '' && nodes.push(cast(i, narrowed[k]!, 'float32')));
    const outs = node.outputs.map((o) => (o === '' ? '' : `${o}/f32`));
    nodes.push({ ...node, inputs: narrowed, outputs: outs });
    node.outputs.forEach((o, k) => o !== '' && nodes.push(cast(outs[k]!, o, 'float64')));
  }
  g.nodes = nodes;
  return copy;
}
