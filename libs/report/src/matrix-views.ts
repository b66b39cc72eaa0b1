/**
 * Views of accuracy matrices for the report: means over seeds, the seen-accuracy curve and
 * forgetting per experience and per class. Matrices are a[i][j] = accuracy on experience j after
 * training through i; `null` marks a value that does not exist.
 */

type Cell = number | null;

const finite = (x: Cell | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);

/** Element-wise mean over the seeds' matrices, skipping nulls (null where no seed has a value). */
export function meanMatrix(matrices: readonly (readonly (readonly Cell[])[])[]): Cell[][] {
  const [first] = matrices;
  if (first === undefined) return [];
  return first.map((row, i) =>
    row.map((_, j) => {
      const xs = matrices.map((m) => m[i]?.[j]).filter(finite);
      return xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length;
    }),
  );
}

/** A_i = (1/(i+1)) Σ_{j≤i} a[i][j]: mean accuracy over the experiences trained so far, after each experience. */
export function seenAccuracyCurve(matrix: readonly (readonly Cell[])[]): Cell[] {
  return matrix.map((row, i) => {
    const xs = row.slice(0, i + 1).filter(finite);
    return xs.length === i + 1 ? xs.reduce((a, x) => a + x, 0) / xs.length : null;
  });
}

/**
 * f_j = max_{l<T−1} a[l][j] − a[T−1][j] for every experience j < T−1 (Chaudhry et al. 2018's
 * forgetting of one experience: its best accuracy before the last experience minus its final one).
 */
export function experienceForgetting(matrix: readonly (readonly Cell[])[]): Cell[] {
  const last = matrix.length - 1;
  if (last < 1) return [];
  return Array.from({ length: last }, (_, j) =>
    drop(
      matrix.slice(0, last).map((row) => row[j] ?? null),
      matrix[last]![j] ?? null,
    ),
  );
}

/** Forgetting of one class: its best accuracy before the last experience minus its final accuracy. */
export interface ClassForgetting {
  readonly classId: number;
  /** The experience that held the class. */
  readonly experience: number;
  readonly forgetting: number | null;
}

/**
 * Forgetting of every class of the experiences before the last, from per-class accuracies
 * c[i][k] (class k after training through experience i). The last experience's classes have no
 * later experience to forget them in.
 */
export function classForgetting(
  classAccuracy: readonly (readonly Cell[])[],
  experienceClasses: readonly (readonly number[])[],
): ClassForgetting[] {
  const last = classAccuracy.length - 1;
  if (last < 1) return [];
  // A class in several experiences (domain-incremental) counts once, from the first that held it.
  const seen = new Set<number>();
  return experienceClasses.slice(0, last).flatMap((classes, experience) =>
    classes
      .filter((classId) => !seen.has(classId) && seen.add(classId))
      .map((classId) => ({
        classId,
        experience,
        forgetting: drop(
          classAccuracy.slice(0, last).map((row) => row[classId] ?? null),
          classAccuracy[last]![classId] ?? null,
        ),
      })),
  );
}

/** max(before) − after, or null when either side is missing. */
function drop(before: readonly Cell[], after: Cell): Cell {
  const xs = before.filter(finite);
  if (xs.length === 0 || !finite(after)) return null;
  return Math.max(...xs) - after;
}
