import { InvalidArgumentError } from '@mneme/errors';
import { formatShape, isDType, type Tensor } from '@mneme/tensor';

/** What a session expects of one input. */
export interface InputSpec {
  /** Input name. */
  readonly name: string;
  /** Element type name (`'float32'`, `'int64'`, ...). */
  readonly dtype: string;
  /** Dimensions: numbers are fixed, strings name symbolic dims (must agree across inputs), `''` is free. */
  readonly shape: readonly (number | string)[] | undefined;
  /** Inputs that shadow an initializer may be left out: the initializer is the default. */
  readonly optional: boolean;
}

/**
 * Every problem with `feeds` against `specs`, one sentence each (empty when the feeds fit): missing,
 * unknown, wrongly typed and wrongly shaped inputs, and symbolic dims bound to different sizes.
 */
export function checkFeeds(specs: readonly InputSpec[], feeds: Readonly<Record<string, Tensor>>): string[] {
  const problems: string[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  const bound = new Map<string, { size: number; by: string }>();
  for (const spec of specs) {
    const value = feeds[spec.name];
    if (value === undefined) {
      if (!spec.optional) problems.push(`missing input '${spec.name}' (${describeSpec(spec)})`);
      continue;
    }
    problems.push(...checkOne(spec, value, bound));
  }
  const unknown = Object.keys(feeds).filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    const names = unknown.map((n) => `'${n}'`).join(', ');
    problems.push(
      `unknown input${unknown.length > 1 ? 's' : ''} ${names}; the graph's inputs are ${specs.map((s) => s.name).join(', ') || '(none)'}`,
    );
  }
  return problems;
}

/**
 * Throws one error listing every problem `checkFeeds` finds.
 *
 * @throws InvalidArgumentError when any feed is missing, unknown, mis-typed or mis-shaped
 */
export function validateFeeds(specs: readonly InputSpec[], feeds: Readonly<Record<string, Tensor>>): void {
  const problems = checkFeeds(specs, feeds);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

function checkOne(spec: InputSpec, value: Tensor, bound: Map<string, { size: number; by: string }>): string[] {
  const where = `input '${spec.name}'`;
  const candidate = value as Partial<Tensor> | null;
  if (candidate === null || typeof candidate !== 'object' || !Array.isArray(candidate.shape) || !ArrayBuffer.isView(candidate.data)) {
    return [`${where} is not a tensor (expected { dtype, shape, data })`];
  }
  const problems: string[] = [];
  if (!isDType(value.dtype) || value.dtype !== spec.dtype) {
    problems.push(`${where} is ${String(value.dtype)} but the graph declares ${spec.dtype}`);
  }
  const size = value.shape.reduce((a, d) => a * d, 1);
  if (value.data.length !== size) {
    problems.push(`${where} has ${value.data.length} elements but its shape ${formatShape(value.shape)} needs ${size}`);
  }
  if (spec.shape === undefined) return problems;
  if (value.shape.length !== spec.shape.length) {
    problems.push(
      `${where} has shape ${formatShape(value.shape)} (rank ${value.shape.length}) but the graph declares ${formatShape(spec.shape)} (rank ${spec.shape.length})`,
    );
    return problems;
  }
  const bad: string[] = [];
  spec.shape.forEach((dim, i) => {
    const got = value.shape[i] ?? -1;
    if (typeof dim === 'number') {
      if (dim !== got) bad.push(`dim ${i} is ${got}, expected ${dim}`);
    } else if (dim !== '') {
      const previous = bound.get(dim);
      if (previous === undefined) bound.set(dim, { size: got, by: spec.name });
      else if (previous.size !== got) bad.push(`dim ${i} ('${dim}') is ${got} but input '${previous.by}' set '${dim}' to ${previous.size}`);
    }
  });
  if (bad.length > 0)
    problems.push(`${where} has shape ${formatShape(value.shape)} but the graph declares ${formatShape(spec.shape)}: ${bad.join(', ')}`);
  return problems;
}

function describeSpec(spec: InputSpec): string {
  return spec.shape === undefined ? `${spec.dtype}, any shape` : `${spec.dtype} ${formatShape(spec.shape)}`;
}
