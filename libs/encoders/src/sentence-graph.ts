/**
 * The inference graph of a stored encoder: token ids in, sentence embedding out, in one ONNX graph.
 * The store keeps the embeddings and encoder graphs apart because training differentiates with
 * respect to the token embeddings; inference needs neither the embeddings in JavaScript nor two
 * session runs per batch, so it runs the two chained, pooled and normalised in the graph.
 */
import { GraphBuilder, inlineGraph, type Model, type OpsetImport, pruneDeadNodes } from '@mneme/graph';
import { ENCODER_IO } from '@mneme/models';
import { type EncoderStore } from './model-store.js';

/** Value names of {@link sentenceEmbeddingGraph}. */
export const SENTENCE_IO = Object.freeze({
  /** int64 [batch, sequence]. */
  inputIds: ENCODER_IO.inputIds,
  /** int64 [batch, sequence]. */
  tokenTypeIds: ENCODER_IO.tokenTypeIds,
  /** int64 [batch, sequence]: 1 for real tokens, 0 for padding. */
  attentionMask: ENCODER_IO.attentionMask,
  /** float32 [batch, hidden]: pooled as the model says, L2-normalised when it says so. */
  embedding: 'sentence_embedding',
});

// Per store object: the graph is built once and the engine caches its one session by identity.
const graphs = new WeakMap<EncoderStore, Model>();

/**
 * `store`'s sentence-embedding graph (memoised per store). Batch and sequence stay symbolic, so one
 * session serves every batch size and length.
 */
export function sentenceEmbeddingGraph(store: EncoderStore): Model {
  const memo = graphs.get(store);
  if (memo !== undefined) return memo;
  const b = new GraphBuilder({ name: `${store.manifest.name}-sentence-embedding` });
  const shape = ['batch', 'sequence'];
  const ids = b.input(SENTENCE_IO.inputIds, 'int64', shape);
  const types = b.input(SENTENCE_IO.tokenTypeIds, 'int64', shape);
  const mask = b.input(SENTENCE_IO.attentionMask, 'int64', shape);
  const embeddingInputs = new Set(store.embeddings.graph.inputs.map((i) => i.name));
  const embeds = inlineGraph(
    b,
    store.embeddings.graph,
    new Map([
      [ENCODER_IO.inputIds, ids],
      ...(embeddingInputs.has(ENCODER_IO.tokenTypeIds) ? ([[ENCODER_IO.tokenTypeIds, types]] as const) : []),
    ]),
    'embeddings/',
  ).get(ENCODER_IO.inputsEmbeds)!;
  // The forward-only encoder, on ONNX Runtime's fused kernels (the stored graph is for training).
  const encoded = inlineGraph(
    b,
    store.inferenceEncoder.graph,
    new Map([
      [ENCODER_IO.inputsEmbeds, embeds],
      [ENCODER_IO.attentionMask, mask],
    ]),
    'encoder/',
  );
  const pooled = encoded.get(store.manifest.pooling === 'cls' ? ENCODER_IO.cls : ENCODER_IO.meanPooled)!;
  const vector = store.manifest.normalize ? l2Normalized(b, pooled) : pooled;
  b.op('Identity', [vector], {}, { outputs: [SENTENCE_IO.embedding] });
  b.output(SENTENCE_IO.embedding, 'float32', ['batch', store.manifest.dimension]);
  const built = b.build({ validate: false });
  const model: Model = {
    ...built,
    opsetImports: mergedOpsets([built, store.embeddings, store.inferenceEncoder]),
    graph: pruneDeadNodes(built.graph),
  };
  graphs.set(store, model);
  return model;
}

/** `v / max(‖v‖₂, 1e-12)` per row, as torch.nn.functional.normalize. */
function l2Normalized(b: GraphBuilder, v: string): string {
  const norm = b.sqrt(b.reduceSum(b.mul(v, v), [1], true));
  return b.div(v, b.op('Max', [norm, b.scalar(1e-12)]));
}

/** Every domain the chained graphs use, at the highest version any of them imports. */
function mergedOpsets(models: readonly Model[]): OpsetImport[] {
  const versions = new Map<string, number>();
  for (const m of models) for (const o of m.opsetImports) versions.set(o.domain, Math.max(versions.get(o.domain) ?? 0, o.version));
  return [...versions].map(([domain, version]) => ({ domain, version }));
}
