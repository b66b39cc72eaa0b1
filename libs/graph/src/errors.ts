/**
 * The error hierarchy of @mneme/graph: one base class, one subclass per kind of failure. Every
 * error is a {@link MnemeError}, so a service maps it to a wire status like any other: what is
 * wrong with a model or its inputs (bytes, structure, ops, shapes, attributes, dtypes: things a
 * user may supply) is `invalid-argument` and reaches callers with its message; misuse of the
 * builder APIs by mneme's own code is `internal` (a bug: logged, not sent).
 */
import { type ErrorKind, MnemeError } from '@mneme/errors';

/** Base class of every error thrown by @mneme/graph. */
export class GraphError extends MnemeError {
  /** Stable machine-readable kind, e.g. `'unsupported-op'`. */
  readonly code: string;

  /** @param options.kind the domain kind; `internal` (a bug in the calling code) unless the model or its inputs are at fault */
  constructor(message: string, code = 'graph', options?: { cause?: unknown; kind?: ErrorKind }) {
    super(options?.kind ?? 'internal', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  /** Normalises anything thrown into a `GraphError`, keeping the original as `cause` (and its kind, when it has one). */
  static override from(error: unknown): GraphError {
    if (error instanceof GraphError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new GraphError(message, 'graph', { cause: error, kind: error instanceof MnemeError ? error.kind : 'internal' });
  }
}

/** The model bytes or a ModelProto field are malformed or use a feature mneme does not support. */
export class ModelFormatError extends GraphError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'model-format', { ...options, kind: 'invalid-argument' });
  }
}

/** External tensor data is missing, out of range, or points outside the model's directory. */
export class ExternalDataError extends GraphError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'external-data', { ...options, kind: 'invalid-argument' });
  }
}

/** The graph is structurally invalid: a cycle, a value without producer, duplicate names. */
export class GraphStructureError extends GraphError {
  /** Every problem found; the message lists them all. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} graph problems:\n- ${problems.join('\n- ')}`, 'structure', {
      kind: 'invalid-argument',
    });
    this.problems = problems;
  }
}

/** A node's op type (or domain) has no shape rule in @mneme/graph. */
export class UnsupportedOpError extends GraphError {
  /** The op type that is not supported. */
  readonly opType: string;
  /** Name of the node that uses it. */
  readonly nodeName: string;

  constructor(opType: string, nodeName: string, domain = '') {
    const qualified = domain === '' || domain === 'ai.onnx' ? opType : `${domain}::${opType}`;
    super(
      `Unsupported op '${qualified}' (node '${nodeName}'): @mneme/graph has no shape rule for it; ` +
        'add one to the op rule table or rewrite the model without it',
      'unsupported-op',
      { kind: 'invalid-argument' },
    );
    this.opType = opType;
    this.nodeName = nodeName;
  }
}

/** Shapes or dtypes of a node are inconsistent, or a needed value is not statically known. */
export class ShapeInferenceError extends GraphError {
  /** Name of the failing node, or `''` for graph-level problems. */
  readonly nodeName: string;

  constructor(message: string, nodeName = '') {
    super(message, 'shape-inference', { kind: 'invalid-argument' });
    this.nodeName = nodeName;
  }
}
