/** `[CLS] … [SEP]` capped at `max` ids, keeping the final `[SEP]`. */
export function truncateIds(ids: readonly number[], max: number): readonly number[] {
  return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids.at(-1)!];
}

/**
 * Prediction runs of at most `size` of `n` rows, in token-length order when tokens are known so
 * each run pads only to its own longest text (forward graphs keep symbolic dims: one session serves
 * every run).
 */
export function lengthOrderedChunks(n: number, size: number, tokens: readonly (readonly number[])[] | undefined): number[][] {
  const order = [...Array(n).keys()];
  if (tokens !== undefined) order.sort((a, b) => tokens[a]!.length - tokens[b]!.length || a - b);
  const out: number[][] = [];
  for (let start = 0; start < n; start += size) out.push(order.slice(start, start + size));
  return out;
}
