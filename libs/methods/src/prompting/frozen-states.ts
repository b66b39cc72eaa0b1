import type { Executor } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { buildBertEncoder, ENCODER_IO } from '@mneme/models';
import { int64FromInt32, tensor, type Tensor } from '@mneme/tensor';
import type { TextInputs } from '../core/text-inputs.js';

/** Rows per forward pass of the frozen part. */
const CHUNK = 64;

/**
 * The states entering layer `from` of the frozen encoder for token sequences, computed once and
 * kept (least recently used first out, within a byte budget). Prompts placed in layers ≥ `from`
 * cannot change them, so a prefix strategy runs the frozen part once per text instead of once per
 * step and epoch. `from` = 0 keeps the token embeddings.
 */
export class FrozenStates {
  private readonly kept = new Map<string, Float32Array>();
  private bytes = 0;
  private readonly lower: Model | undefined;
  private readonly width: number;

  constructor(
    private readonly executor: Executor,
    private readonly text: TextInputs & { readonly bert: NonNullable<TextInputs['bert']> },
    /** The first layer the states enter. */
    readonly from: number,
    /** Most bytes kept. @default 1 GiB */
    private readonly budget = 1 << 30,
  ) {
    this.width = text.hiddenSize;
    this.lower = from > 0 ? buildBertEncoder(text.bert.config, text.bert.weights, { layers: [0, from] }) : undefined;
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Each sequence's states, `length × hidden` (exact length, no padding). */
  async states(tokens: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const keys = tokens.map((t) => t.join(','));
    const missing = [...new Set(keys.filter((k) => !this.kept.has(k)))];
    const byKey = new Map(keys.map((k, i) => [k, tokens[i]!]));
    // Sorted by length so each pass pads only to its own longest sequence.
    missing.sort((a, b) => byKey.get(a)!.length - byKey.get(b)!.length);
    const fresh = new Map<string, Float32Array>();
    for (let at = 0; at < missing.length; at += CHUNK) {
      const chunk = missing.slice(at, at + CHUNK);
      const computed = await this.compute(chunk.map((k) => byKey.get(k)!));
      chunk.forEach((k, i) => fresh.set(k, computed[i]!));
    }
    const out = keys.map((k) => {
      const hit = this.kept.get(k) ?? fresh.get(k)!;
      // Re-inserted: the map's order is the recency order.
      this.kept.delete(k);
      this.kept.set(k, hit);
      if (fresh.delete(k)) this.bytes += hit.byteLength;
      return hit;
    });
    for (const [k, v] of this.kept) {
      if (this.bytes <= this.budget) break;
      this.kept.delete(k);
      this.bytes -= v.byteLength;
    }
    return out;
  }

  private async compute(rows: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const n = rows.length;
    const t = Math.max(...rows.map((r) => r.length));
    const ids = new Int32Array(n * t).fill(this.text.padId);
    const mask = new Int32Array(n * t);
    rows.forEach((r, i) => {
      ids.set(r, i * t);
      mask.fill(1, i * t, i * t + r.length);
    });
    const { [ENCODER_IO.inputsEmbeds]: embeds } = await this.executor.forward(this.text.embeddings, {
      [ENCODER_IO.inputIds]: tensor('int64', [n, t], int64FromInt32(ids)),
      [ENCODER_IO.tokenTypeIds]: tensor('int64', [n, t], new BigInt64Array(n * t)),
    });
    let states = embeds as Tensor;
    if (this.lower !== undefined) {
      const out = await this.executor.forward(
        this.lower,
        { [ENCODER_IO.inputsEmbeds]: states, [ENCODER_IO.attentionMask]: tensor('int64', [n, t], int64FromInt32(mask)) },
        { fetches: [ENCODER_IO.lastHiddenState] },
      );
      states = out[ENCODER_IO.lastHiddenState]!;
    }
    const data = states.data as Float32Array;
    const h = this.width;
    return rows.map((r, i) => data.slice(i * t * h, (i * t + r.length) * h));
  }
}

/**
 * `rows` sequences' states packed to `[padded, length, hidden]` with their int64 mask; rows past
 * `states.length` repeat the first (filler rows for a fixed batch shape, given weight 0).
 */
export function packStates(
  states: readonly Float32Array[],
  padded: number,
  length: number,
  hidden: number,
): { states: Tensor; mask: Tensor } {
  const out = new Float32Array(padded * length * hidden);
  const mask = new Int32Array(padded * length);
  for (let i = 0; i < padded; i++) {
    const s = states[i] ?? states[0]!;
    out.set(s, i * length * hidden);
    mask.fill(1, i * length, i * length + s.length / hidden);
  }
  return { states: tensor('float32', [padded, length, hidden], out), mask: tensor('int64', [padded, length], int64FromInt32(mask)) };
}
