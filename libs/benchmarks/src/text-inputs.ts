import { encoderTextModel, type EncoderStore } from '@mneme/encoders';
import { InvalidArgumentError } from '@mneme/errors';
import type { TextInputs } from '@mneme/methods';

/**
 * The token-level view of a text benchmark's data set (see `TextInputs`): texts are tokenised on
 * first use (then kept), sample ids index `texts`, and feature rows are matched back to their sample
 * by their exact bytes — `features` must be the rows the benchmark hands to the loop (frozen
 * encoder embeddings of `texts`, `dim` wide). Identical rows come from identical token sequences,
 * so a collision maps to the same tokens.
 */
export function textInputs(store: EncoderStore, texts: readonly string[], features: Float32Array, dim: number): TextInputs {
  const cache = new Map<number, number[]>();
  let byRow: Map<string, number> | undefined;
  const rowKey = (rows: Float32Array, r: number) => Buffer.from(rows.buffer, rows.byteOffset + r * dim * 4, dim * 4).toString('base64');
  const tokensOf = (id: number): number[] => {
    let hit = cache.get(id);
    if (hit === undefined) {
      hit = store.tokenizer.encodeIds(texts[id]!);
      cache.set(id, hit);
    }
    return hit;
  };
  return {
    ...encoderTextModel(store),
    tokensOfIds(ids: Int32Array): number[][] {
      const bad = [...ids].filter((id) => !Number.isInteger(id) || id < 0 || id >= texts.length);
      if (bad.length > 0)
        throw new InvalidArgumentError(`sample ids ${bad.slice(0, 5).join(', ')} are outside the data set's ${texts.length} texts`);
      return [...ids].map(tokensOf);
    },
    tokensOfFeatures(rows: Float32Array): number[][] {
      if (rows.length % dim !== 0)
        throw new InvalidArgumentError(`features hold ${rows.length} values, not a multiple of the input size ${dim}`);
      if (byRow === undefined) {
        byRow = new Map();
        for (let i = texts.length - 1; i >= 0; i--) byRow.set(rowKey(features, i), i);
      }
      const out: number[][] = [];
      for (let r = 0; r < rows.length / dim; r++) {
        const id = byRow.get(rowKey(rows, r));
        if (id === undefined)
          throw new InvalidArgumentError(
            `feature row ${r} is not a sample of this benchmark: token-level strategies can only predict the benchmark's own rows`,
          );
        out.push(tokensOf(id));
      }
      return out;
    },
  };
}
