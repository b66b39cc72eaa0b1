import { InvalidArgumentError } from '@mneme/errors';
import type { Rng } from '@mneme/random';

/** How classes are assigned to the experiences of a class- or task-incremental scenario. */
export interface ClassGroupOptions {
  /**
   * Number of experiences T: the class order is cut into T consecutive groups whose sizes differ by
   * at most one, larger groups first (7 classes in 4 → 2, 2, 2, 1). Required unless `groups` is given.
   */
  readonly experiences?: number;
  /** The class order, by name; may leave classes out. @default a seeded shuffle of all classes */
  readonly classOrder?: readonly string[];
  /** The classes of each experience, by name, given outright (e.g. CLINC150 by domain); overrides `classOrder`. */
  readonly groups?: readonly (readonly string[])[];
}

/**
 * Resolves {@link ClassGroupOptions} against a data set's class names into the class indices of
 * each experience, collecting every problem (unknown or repeated class, bad count) before throwing.
 */
export function classGroups(classes: readonly string[], options: ClassGroupOptions, rng: Rng): number[][] {
  const index = new Map(classes.map((name, k) => [name, k]));
  const problems: string[] = [];
  const resolveNames = (names: readonly string[]): number[] => {
    const seen = new Set<string>();
    return names.flatMap((name) => {
      if (seen.has(name)) problems.push(`class "${name}" is listed more than once`);
      seen.add(name);
      const k = index.get(name);
      if (k === undefined) problems.push(`class "${name}" is not in the data set (it has ${classes.length} classes)`);
      return k === undefined ? [] : [k];
    });
  };

  let groups: number[][];
  if (options.groups !== undefined) {
    if (options.experiences !== undefined && options.experiences !== options.groups.length) {
      problems.push(`experiences is ${options.experiences} but ${options.groups.length} groups were given`);
    }
    if (options.groups.some((group) => group.length === 0)) problems.push('every group needs at least one class');
    const all = resolveNames(options.groups.flat());
    let at = 0;
    groups = options.groups.map((group) => all.slice(at, (at += group.length)));
  } else {
    const order = options.classOrder !== undefined ? resolveNames(options.classOrder) : rng.shuffle(classes.map((_, k) => k));
    const t = options.experiences;
    if (t === undefined || !Number.isInteger(t) || t <= 0) {
      problems.push(`experiences must be a positive integer (or give groups), got ${t}`);
      groups = [];
    } else if (t > order.length) {
      problems.push(`cannot split ${order.length} classes into ${t} experiences`);
      groups = [];
    } else {
      const base = Math.floor(order.length / t);
      const extra = order.length % t;
      let at = 0;
      groups = Array.from({ length: t }, (_, e) => order.slice(at, (at += base + (e < extra ? 1 : 0))));
    }
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return groups;
}
