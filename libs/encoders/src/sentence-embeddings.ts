/**
 * Sentence embeddings from a stored encoder, the way sentence-transformers computes them: tokenise,
 * then one graph (embeddings, encoder, pooling by mean or CLS, L2 normalisation when the model says
 * so) per batch, whose one session serves every batch shape.
 * Works on any Executor (tests pass `createExecutor(engine)`).
 */
import { type Executor } from '@mneme/execution';
import { padBatch } from '@mneme/models';
import { tensor } from '@mneme/tensor';
import { type EncoderStore } from './model-store.js';
import { SENTENCE_IO, sentenceEmbeddingGraph } from './sentence-graph.js';

/** Options of {@link embedSentences}. */
export interface EmbedSentencesOptions {
  /** Texts per forward pass. @default 16 */
  batchSize?: number;
  /** Token cap per text. @default the store's tokenizer maxLength */
  maxLength?: number;
}

/** Embeddings and the token ids they were computed from, in input order. */
export interface SentenceEmbeddings {
  /** One vector per text, `manifest.dimension` wide. */
  vectors: Float32Array[];
  /** Token ids per text, `[CLS] … [SEP]`, truncated. */
  ids: number[][];
}

/**
 * Embeds `texts`. Texts are sorted by token count before batching so each batch pads only to its own
 * longest row (padding is masked out, so results do not depend on the batching).
 */
export async function embedSentences(
  executor: Executor,
  store: EncoderStore,
  texts: readonly string[],
  options: EmbedSentencesOptions = {},
): Promise<SentenceEmbeddings> {
  const batchSize = options.batchSize ?? 16;
  const maxLength = options.maxLength ?? store.tokenizer.settings.maxLength;
  const ids = texts.map((t) => store.tokenizer.encodeIds(t, maxLength));
  const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
  const vectors: Float32Array[] = new Array<Float32Array>(texts.length);
  const hidden = store.manifest.dimension;
  const graph = sentenceEmbeddingGraph(store);
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const batch = padBatch(
      rows.map((r) => ids[r]!),
      store.tokenizer.specialIds.pad,
    );
    const shape = batch.shape;
    const out = await executor.forward(graph, {
      [SENTENCE_IO.inputIds]: tensor('int64', shape, batch.inputIds),
      [SENTENCE_IO.tokenTypeIds]: tensor('int64', shape, batch.tokenTypeIds),
      [SENTENCE_IO.attentionMask]: tensor('int64', shape, batch.attentionMask),
    });
    const data = out[SENTENCE_IO.embedding]!.data as Float32Array;
    rows.forEach((r, b) => {
      vectors[r] = data.slice(b * hidden, (b + 1) * hidden);
    });
  }
  return { vectors, ids };
}

/** `v / max(‖v‖, 1e-12)`, as torch.nn.functional.normalize. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  return v.map((x) => x / norm);
}

/** Cosine similarity of two vectors of equal length. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.max(Math.sqrt(na * nb), 1e-24);
}
