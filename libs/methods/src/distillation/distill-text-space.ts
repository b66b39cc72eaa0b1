/**
 * The synthetic input space of text distillation: sequences of `length` token-input embeddings
 * (`inputs_embeds`, after the embedding LayerNorm) fed to the frozen encoder with every position
 * attended, pooled (and L2-normalised when the benchmark's features are) into the sentence features
 * the classifier head sees. Real samples enter this space through the embeddings entry point.
 */
import { inlineGraph } from '@mneme/autodiff';
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { createTensor, specializeModel, type GraphBuilder } from '@mneme/graph';
import { ENCODER_IO } from '@mneme/models';
import type { Rng } from '@mneme/random';
import { int64FromInt32, tensor } from '@mneme/tensor';
import type { DistillInputSpace } from './distill-network.js';
import type { TextInputs } from '../core/text-inputs.js';

/** Token ids below this are BERT's [PAD], [unusedN] and specials: never drawn as random tokens. */
const FIRST_ORDINARY_TOKEN = 1000;

/**
 * Fits token ids to `length` positions, all attended: `[CLS] t1 … [SEP]` is truncated (keeping the
 * final [SEP]) or repeated cyclically, so the all-ones mask pools over real tokens only and the
 * pooled feature stays close to the sentence's own.
 */
export function fitTokens(ids: readonly number[], length: number): number[] {
  if (ids.length === 0) throw new InvalidArgumentError('cannot fit an empty token sequence');
  if (ids.length >= length) return [...ids.slice(0, length - 1), ids.at(-1)!];
  return Array.from({ length }, (_, i) => ids[i % ids.length]!);
}

/**
 * A {@link DistillInputSpace} over a text benchmark's frozen encoder: synthetic samples are
 * `[length, hidden]` token-embedding sequences.
 *
 * @throws InvalidArgumentError when `length` is not an integer ≥ 2
 */
export function textInputSpace(text: TextInputs, executor: Executor, length: number): DistillInputSpace {
  if (!Number.isInteger(length) || length < 2) throw new InvalidArgumentError(`token length must be an integer ≥ 2, got ${length}`);
  const hidden = text.hiddenSize;
  const vocab = text.embeddings.graph.initializers.get('embeddings.word_embeddings.weight')?.shape[0];
  const embed = async (rows: number[][]): Promise<Float32Array> => {
    const n = rows.length;
    const ids = int64FromInt32(rows.flat());
    const out = await executor.forward(text.embeddings, {
      [ENCODER_IO.inputIds]: tensor('int64', [n, length], ids),
      [ENCODER_IO.tokenTypeIds]: tensor('int64', [n, length], new BigInt64Array(n * length)),
    });
    return (out[ENCODER_IO.inputsEmbeds]!.data as Float32Array).slice();
  };
  return {
    featureMap: {
      name: `${text.encoder.graph.name}:${text.pooled}${text.normalize ? ':l2' : ''}:tokens-${length}`,
      sampleShape: [length, hidden],
      apply(b: GraphBuilder, x: string, n: number): string {
        const encoder = specializeModel(text.encoder, { batch: n, sequence: length });
        const mask = b.constant(createTensor('int64', [n, length], new BigInt64Array(n * length).fill(1n)));
        const values = inlineGraph(
          b,
          encoder.graph,
          new Map([
            [ENCODER_IO.inputsEmbeds, x],
            [ENCODER_IO.attentionMask, mask],
          ]),
          'encoder/',
        );
        const pooled = values.get(text.pooled)!;
        if (!text.normalize) return pooled;
        // The benchmark's features are L2-normalised sentence embeddings; norms are far from 0.
        return b.div(pooled, b.sqrt(b.reduceSum(b.mul(pooled, pooled), [1], true)));
      },
    },
    samplesOf: async (ids: readonly number[]) => embed(text.tokensOfIds(Int32Array.from(ids)).map((t) => fitTokens(t, length))),
    noise: async (rng: Rng, count: number) => {
      if (vocab === undefined)
        throw new InvalidArgumentError('the embeddings model has no word-embedding table to draw random tokens from');
      return embed(
        Array.from({ length: count }, () => Array.from({ length }, () => FIRST_ORDINARY_TOKEN + rng.int(vocab - FIRST_ORDINARY_TOKEN))),
      );
    },
  };
}
