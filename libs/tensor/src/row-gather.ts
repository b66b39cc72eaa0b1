/**
 * Rows of a row-major `table` (`size × rowSize`) picked by `rows`, copied in order:
 * `rows.length × rowSize`. The one row gather of the tree (samples from a memory or a data set,
 * prompts and keys from a pool, vectors from an index), so each caller need not hand-write the loop.
 */
export function gatherRows(table: Float32Array, rowSize: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(table.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return out;
}

/**
 * The inverse of {@link gatherRows}: writes row `i` of `values` (`rows.length × rowSize`) into row
 * `rows[i]` of the row-major `table`, in place (results of a batch run put back in input order).
 */
export function scatterRows(table: Float32Array, rowSize: number, rows: ArrayLike<number>, values: Float32Array): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    table.set(values.subarray(i * rowSize, (i + 1) * rowSize), r * rowSize);
  }
}
