/**
 * Rows of a row-major `table` (`size × rowSize`) picked by `rows`, copied in order:
 * `rows.length × rowSize`. The one row gather of the strategies (samples from a memory, prompts
 * and keys from a pool).
 */
export function gatherRows(table: Float32Array, rowSize: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(table.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return out;
}
