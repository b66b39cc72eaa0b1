/** GraphBuilder: writes ONNX graphs in code with fresh names, typed helpers and validation. */
import { type DType, type Tensor } from '@mneme/tensor';
import { Attr, type Attributes } from './attributes.js';
import { GraphError } from './errors.js';
import {
  cloneGraph,
  cloneModel,
  createGraph,
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET,
  defaultOpsetVersion,
  type Dim,
  type Graph,
  isDefaultDomain,
  MIN_OPSET,
  type Model,
  type OpsetImport,
} from './ir.js';
import { REDUCE_AXES_INPUT_SINCE } from './rules/reduce.js';
import { createTensor, scalarTensor } from './tensor-value.js';
import { assertValidGraph } from './topology.js';

/** Options of `GraphBuilder`. */
export interface GraphBuilderOptions {
  /** Graph name. @default 'main' */
  name?: string;
  /** Default-domain opset (17 or later). Ignored-if-equal when extending a model. @default 17 */
  opset?: number;
  /** Producer recorded in the model. @default 'mneme' */
  producerName?: string;
  /** Prefix of every generated node and value name, e.g. `'grad/'`. @default '' */
  namePrefix?: string;
  /** Existing model or graph to append to (its opset, imports and names are kept). @default undefined */
  extend?: Model | Graph | undefined;
  /** With `extend`, append to that graph itself instead of a copy. @default false */
  inPlace?: boolean;
}

/** Per-node options of `GraphBuilder.op`. */
export interface OpOptions {
  /** Node name; a fresh one derived from the op type when absent. */
  name?: string;
  /** Operator domain. @default '' */
  domain?: string;
}

/** Options of `GraphBuilder.build`. */
export interface BuildOptions {
  /** Check the graph structure (`assertValidGraph`) before returning. @default true */
  validate?: boolean;
}

/** Attribute options of `GraphBuilder.gemm`. */
export interface GemmOptions {
  /** Transpose A. @default false */
  transA?: boolean;
  /** Transpose B. @default false */
  transB?: boolean;
  /** Scale of A·B. @default 1 */
  alpha?: number;
  /** Scale of C. @default 1 */
  beta?: number;
}

/**
 * Builds a graph node by node. Every helper returns the name of the value it creates; names are
 * fresh and unique in the graph. Start empty (`new GraphBuilder()`) or from an existing model
 * (`GraphBuilder.from(model)`) to append nodes, e.g. a backward pass.
 *
 * @example
 * const b = new GraphBuilder();
 * const x = b.input('x', 'float32', ['batch', 4]);
 * const w = b.initializer('w', createTensor('float32', [4, 2], new Float32Array(8)));
 * b.output(b.relu(b.matMul(x, w)), 'float32');
 * const model = b.build();
 */
export class GraphBuilder {
  /** Default-domain opset of the graph being built. */
  readonly opset: number;
  private readonly graph: Graph;
  private readonly values = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly prefix: string;
  private readonly base: Omit<Model, 'graph'>;

  constructor(options: GraphBuilderOptions = {}) {
    const source = GraphBuilder.source(options);
    const sourceOpset = source?.model === undefined ? undefined : defaultOpsetVersion(source.model);
    if (sourceOpset !== undefined && options.opset !== undefined && options.opset !== sourceOpset) {
      throw new GraphError(`Cannot change the opset of an existing model from ${sourceOpset} to ${options.opset}`);
    }
    this.opset = sourceOpset ?? options.opset ?? DEFAULT_OPSET;
    if (!Number.isInteger(this.opset) || this.opset < MIN_OPSET) {
      // A source model's own opset is the model's fault; one asked for by the calling code is a bug.
      throw new GraphError(`Opset ${this.opset} is not supported; use ${MIN_OPSET} or later`, 'graph', {
        kind: sourceOpset === undefined ? 'internal' : 'invalid-argument',
      });
    }
    this.prefix = options.namePrefix ?? '';
    this.graph = source?.graph ?? createGraph(options.name);
    const m = source?.model;
    const opsetImports: OpsetImport[] = m?.opsetImports.map((o) => ({ ...o })) ?? [{ domain: '', version: this.opset }];
    if (!opsetImports.some((o) => isDefaultDomain(o.domain))) opsetImports.push({ domain: '', version: this.opset });
    this.base = {
      irVersion: Math.max(m?.irVersion ?? 0, DEFAULT_IR_VERSION),
      opsetImports,
      producerName: options.producerName ?? m?.producerName ?? 'mneme',
      producerVersion: m?.producerVersion ?? '',
      metadata: { ...m?.metadata },
    };
    const g = this.graph;
    for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) this.values.add(v.name);
    for (const name of g.initializers.keys()) this.values.add(name);
    for (const n of g.nodes) {
      this.nodeNames.add(n.name);
      for (const o of n.outputs) if (o !== '') this.values.add(o);
    }
  }

  private static source(options: GraphBuilderOptions): { graph: Graph; model?: Model } | undefined {
    const extend = options.extend;
    if (extend === undefined) return undefined;
    const inPlace = options.inPlace ?? false;
    if ('graph' in extend) {
      const model = inPlace ? extend : cloneModel(extend);
      return { graph: model.graph, model };
    }
    return { graph: inPlace ? extend : cloneGraph(extend) };
  }

  /** A builder that appends to `source` (a copy unless `inPlace`), keeping its opset and names. */
  static from(source: Model | Graph, options: Omit<GraphBuilderOptions, 'extend'> = {}): GraphBuilder {
    return new GraphBuilder({ ...options, extend: source });
  }

  /** Whether a value with this name exists in the graph. */
  has(value: string): boolean {
    return this.values.has(value);
  }

  /** The graph under construction (live; prefer `build()` for a finished model). */
  get current(): Readonly<Graph> {
    return this.graph;
  }

  /** A name, starting with the builder's prefix, that no value or node in the graph uses yet. */
  freshName(hint: string): string {
    const base = `${this.prefix}${hint}`;
    let n = this.counters.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.values.has(name) || this.nodeNames.has(name)) name = `${base}_${++n}`;
    this.counters.set(base, n + 1);
    return name;
  }

  private claim(name: string, what: string): string {
    if (name === '') throw new GraphError(`${what} name must not be empty`);
    if (this.values.has(name)) throw new GraphError(`${what} '${name}' clashes with an existing value`);
    this.values.add(name);
    return name;
  }

  /** Declares a graph input; symbolic dims are strings (`['batch', 784]`). Returns its name. */
  input(name: string, dtype: DType, shape: readonly Dim[]): string {
    this.graph.inputs.push({ name: this.claim(name, 'Input'), dtype, shape: [...shape] });
    return name;
  }

  /** Adds an initializer (e.g. a trainable weight). Returns its name. */
  initializer(name: string, value: Tensor): string {
    this.graph.initializers.set(this.claim(name, 'Initializer'), value);
    return name;
  }

  /** Marks a value as graph output with its dtype and (optional) shape. */
  output(value: string, dtype: DType, shape?: readonly Dim[]): void {
    if (!this.values.has(value)) throw new GraphError(`Output '${value}' is not a value of the graph`);
    if (this.graph.outputs.some((o) => o.name === value)) throw new GraphError(`'${value}' is already a graph output`);
    this.graph.outputs.push({ name: value, dtype, shape: shape === undefined ? undefined : [...shape] });
  }

  /** Appends a node with one output and returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes?: Attributes, options?: OpOptions & { outputs?: 1 }): string;
  /** Appends a node with `outputs` outputs (a count, or explicit names) and returns their names. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Attributes | undefined,
    options: OpOptions & { outputs: number | readonly string[] },
  ): string[];
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Attributes = {},
    options: OpOptions & { outputs?: number | readonly string[] } = {},
  ): string | string[] {
    for (const input of inputs) {
      if (input !== '' && !this.values.has(input)) throw new GraphError(`${opType} input '${input}' is not a value of the graph`);
    }
    const name = options.name ?? this.freshName(opType);
    if (this.nodeNames.has(name)) throw new GraphError(`Node name '${name}' is already used`);
    const spec = options.outputs ?? 1;
    const outputs =
      typeof spec === 'number'
        ? Array.from({ length: spec }, (_, i) => this.freshName(spec === 1 ? `${name}_out` : `${name}_out${i}`))
        : [...spec];
    for (const o of outputs) if (o !== '') this.claim(o, 'Output');
    this.nodeNames.add(name);
    this.graph.nodes.push({ name, opType, domain: options.domain ?? '', inputs: [...inputs], outputs, attributes: { ...attributes } });
    return options.outputs === undefined || options.outputs === 1 ? outputs[0]! : outputs;
  }

  /** A Constant node holding `value`; returns its output. */
  constant(value: Tensor, name?: string): string {
    return this.op('Constant', [], { value: Attr.tensor(value) }, name === undefined ? {} : { name });
  }

  /** A scalar constant of `dtype`. @default dtype float32 */
  scalar(value: number, dtype: DType = 'float32'): string {
    return this.constant(scalarTensor(dtype, value));
  }

  /** A 1-D int64 constant (axes, shapes, indices). */
  ints(values: readonly number[]): string {
    return this.constant(createTensor('int64', [values.length], values));
  }

  /** Elementwise `a + b` with broadcasting. */
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  /** Elementwise `a - b` with broadcasting. */
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  /** Elementwise `a * b` with broadcasting. */
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  /** Elementwise `a / b` with broadcasting. */
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  /** Elementwise `a ** b` with broadcasting. */
  pow(a: string, b: string): string {
    return this.op('Pow', [a, b]);
  }
  /** Elementwise `-x`. */
  neg(x: string): string {
    return this.op('Neg', [x]);
  }
  /** Elementwise `max(x, 0)`. */
  relu(x: string): string {
    return this.op('Relu', [x]);
  }
  /** Elementwise logistic sigmoid. */
  sigmoid(x: string): string {
    return this.op('Sigmoid', [x]);
  }
  /** Elementwise tanh. */
  tanh(x: string): string {
    return this.op('Tanh', [x]);
  }
  /** Elementwise e^x. */
  exp(x: string): string {
    return this.op('Exp', [x]);
  }
  /** Elementwise natural log. */
  log(x: string): string {
    return this.op('Log', [x]);
  }
  /** Elementwise square root. */
  sqrt(x: string): string {
    return this.op('Sqrt', [x]);
  }
  /** Identity (a named copy of a value). */
  identity(x: string): string {
    return this.op('Identity', [x]);
  }
  /** Elementwise `a == b` → bool. */
  equal(a: string, b: string): string {
    return this.op('Equal', [a, b]);
  }
  /** `condition ? x : y` with broadcasting. */
  where(condition: string, x: string, y: string): string {
    return this.op('Where', [condition, x, y]);
  }

  /** Matrix product with numpy semantics (batched, broadcasting). */
  matMul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }

  /** `alpha · A' · B' + beta · C` on 2-D operands. */
  gemm(a: string, b: string, c?: string, options: GemmOptions = {}): string {
    const attrs: Attributes = {};
    if (options.transA === true) attrs['transA'] = Attr.int(1);
    if (options.transB === true) attrs['transB'] = Attr.int(1);
    if (options.alpha !== undefined) attrs['alpha'] = Attr.float(options.alpha);
    if (options.beta !== undefined) attrs['beta'] = Attr.float(options.beta);
    return this.op('Gemm', c === undefined ? [a, b] : [a, b, c], attrs);
  }

  /** Softmax along `axis`. @default axis -1 */
  softmax(x: string, axis = -1): string {
    return this.op('Softmax', [x], { axis: Attr.int(axis) });
  }

  /** Log-softmax along `axis`. @default axis -1 */
  logSoftmax(x: string, axis = -1): string {
    return this.op('LogSoftmax', [x], { axis: Attr.int(axis) });
  }

  // Reductions take axes as an input or an attribute depending on op and opset.
  private reduce(opType: string, x: string, axes: readonly number[] | undefined, keepdims: boolean): string {
    const attrs: Attributes = { keepdims: Attr.int(keepdims ? 1 : 0) };
    if (axes === undefined) return this.op(opType, [x], attrs);
    if (this.opset >= (REDUCE_AXES_INPUT_SINCE[opType] ?? 18)) return this.op(opType, [x, this.ints(axes)], attrs);
    return this.op(opType, [x], { ...attrs, axes: Attr.ints(axes) });
  }

  /** Sum over `axes` (all axes when omitted). @default keepdims true */
  reduceSum(x: string, axes?: readonly number[], keepdims = true): string {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }
  /** Mean over `axes` (all axes when omitted). @default keepdims true */
  reduceMean(x: string, axes?: readonly number[], keepdims = true): string {
    return this.reduce('ReduceMean', x, axes, keepdims);
  }
  /** Maximum over `axes` (all axes when omitted). @default keepdims true */
  reduceMax(x: string, axes?: readonly number[], keepdims = true): string {
    return this.reduce('ReduceMax', x, axes, keepdims);
  }

  /** Reshape to a static shape (0 copies, -1 infers) or to the shape held by a value. */
  reshape(x: string, shape: readonly number[] | string): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  }
  /** Transpose by `perm` (reverse of the dims when omitted). */
  transpose(x: string, perm?: readonly number[]): string {
    return this.op('Transpose', [x], perm === undefined ? {} : { perm: Attr.ints(perm) });
  }
  /** Concatenate along `axis`. */
  concat(xs: readonly string[], axis: number): string {
    return this.op('Concat', xs, { axis: Attr.int(axis) });
  }
  /** Slice with static starts/ends (and optional axes/steps). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): string {
    const inputs = [x, this.ints(starts), this.ints(ends)];
    if (axes !== undefined || steps !== undefined) inputs.push(axes === undefined ? '' : this.ints(axes));
    if (steps !== undefined) inputs.push(this.ints(steps));
    return this.op('Slice', inputs);
  }
  /** Gather `indices` along `axis`. @default axis 0 */
  gather(x: string, indices: string, axis = 0): string {
    return this.op('Gather', [x, indices], { axis: Attr.int(axis) });
  }
  /** Cast to `dtype`. */
  cast(x: string, dtype: DType): string {
    return this.op('Cast', [x], { to: Attr.dtype(dtype) });
  }
  /** The shape of `x` as a 1-D int64 value. */
  shape(x: string): string {
    return this.op('Shape', [x]);
  }
  /** Insert size-1 dims at `axes`. */
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.op('Unsqueeze', [x, this.ints(axes)]);
  }
  /** Remove size-1 dims at `axes` (all of them when omitted). */
  squeeze(x: string, axes?: readonly number[]): string {
    return this.op('Squeeze', axes === undefined ? [x] : [x, this.ints(axes)]);
  }
  /** Broadcast to a static shape or to the shape held by a value. */
  expand(x: string, shape: readonly number[] | string): string {
    return this.op('Expand', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  }
  /** Flatten into 2-D at `axis`. @default axis 1 */
  flatten(x: string, axis = 1): string {
    return this.op('Flatten', [x], { axis: Attr.int(axis) });
  }

  /** The graph as built so far (a structural copy). Validates unless `validate: false`. */
  buildGraph(options: BuildOptions = {}): Graph {
    if (options.validate ?? true) assertValidGraph(this.graph);
    return cloneGraph(this.graph);
  }

  /**
   * A model of the graph as built so far (a structural copy). Validates unless `validate: false`.
   * A non-default op domain used by a node and not yet imported is imported at version 1 (the
   * version of ONNX Runtime's `com.microsoft` contrib ops).
   */
  build(options: BuildOptions = {}): Model {
    const opsetImports = this.base.opsetImports.map((o) => ({ ...o }));
    for (const n of this.graph.nodes) {
      if (!isDefaultDomain(n.domain) && !opsetImports.some((o) => o.domain === n.domain))
        opsetImports.push({ domain: n.domain, version: 1 });
    }
    return {
      ...this.base,
      opsetImports,
      metadata: { ...this.base.metadata },
      graph: this.buildGraph(options),
    };
  }
}
