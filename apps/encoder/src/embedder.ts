import { Pooling, type EmbedRequest, type EmbedResponse } from '@mneme/contracts';
import { l2Normalize } from '@mneme/encoders';
import { InvalidArgumentError } from '@mneme/errors';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { DynamicBatcher } from './dynamic-batcher.js';
import type { BatchSettings } from './loaded-version.js';
import { checkInputCount, checkModelRef, textsOf } from './request-checks.js';
import type { SentenceEncoder, SentenceEncoders, TextEmbedding } from './sentence-encoder.js';
import type { ServingModels } from './serving-models.js';

/**
 * The Embed logic, without gRPC. Texts are embedded by the request's model's frozen encoder (the
 * default encoder when no model is named); concurrent requests for one encoder share forward
 * passes through a {@link DynamicBatcher}. Feature inputs of a model that takes features pass
 * through (checked, then L2-normalised unless `unnormalized`; pooling does not apply to them).
 * Without a model, `served_by` is empty (model_id '', version 0): the default encoder is no model
 * version.
 */
export class Embedder {
  private readonly batchers = new Map<string, DynamicBatcher<readonly TextEmbedding[], Float32Array>>();

  constructor(
    private readonly models: ServingModels,
    private readonly encoders: SentenceEncoders,
    private readonly defaultEncoder: string,
    private readonly batching: BatchSettings,
  ) {}

  /** Serves one Embed request. */
  async embed(req: EmbedRequest): Promise<EmbedResponse> {
    checkInputCount(req.inputs);
    const pooling = poolingOf(req.pooling);
    const normalize = !req.unnormalized;
    if (req.model === undefined || req.model.modelId === '') {
      const texts = textsOf(req.inputs, 'without a model only text is embedded (name a model to pass its features through)');
      const encoder = await this.encoders.get(this.defaultEncoder);
      const vectors = await this.embedTexts(encoder, texts, pooling, normalize);
      return { servedBy: { modelId: '', version: 0 }, embeddings: toWire(tensor('float32', [texts.length, encoder.dimension], vectors)) };
    }
    const ref = checkModelRef(req.model);
    const loaded = await this.models.resolve(ref.modelId, ref.version);
    const servedBy = { modelId: loaded.record.modelId, version: loaded.version };
    const input = loaded.runtime.definition.input;
    if (input.kind === 'features') {
      const rows = await loaded.runtime.featurizer.featurize(req.inputs);
      if (normalize) normalizeRows(rows, input.size);
      return { servedBy, embeddings: toWire(tensor('float32', [req.inputs.length, input.size], rows)) };
    }
    const texts = textsOf(req.inputs, `model '${ref.modelId}' takes text`);
    const encoder = await this.encoders.get(input.encoder);
    const vectors = await this.embedTexts(encoder, texts, pooling, normalize);
    return { servedBy, embeddings: toWire(tensor('float32', [texts.length, encoder.dimension], vectors)) };
  }

  private embedTexts(
    encoder: SentenceEncoder,
    texts: readonly string[],
    pooling: 'mean' | 'cls',
    normalize: boolean,
  ): Promise<Float32Array> {
    return this.batcherFor(encoder).submit(texts.map((text) => ({ text, pooling, normalize })));
  }

  private batcherFor(encoder: SentenceEncoder): DynamicBatcher<readonly TextEmbedding[], Float32Array> {
    let batcher = this.batchers.get(encoder.name);
    if (batcher === undefined) {
      batcher = new DynamicBatcher<readonly TextEmbedding[], Float32Array>({
        maxBatch: this.batching.maxBatch,
        maxDelayMs: this.batching.maxDelayMs,
        size: (texts) => texts.length,
        onDepthChange: this.batching.onDepthChange,
        run: async (requests) => {
          const all = await encoder.embed(requests.flat());
          const dim = encoder.dimension;
          let row = 0;
          return requests.map((texts) => {
            const part = all.slice(row * dim, (row + texts.length) * dim);
            row += texts.length;
            return part;
          });
        },
      });
      this.batchers.set(encoder.name, batcher);
    }
    return batcher;
  }
}

function poolingOf(pooling: Pooling): 'mean' | 'cls' {
  switch (pooling) {
    case Pooling.POOLING_UNSPECIFIED:
    case Pooling.POOLING_MEAN:
      return 'mean';
    case Pooling.POOLING_CLS:
      return 'cls';
    default:
      throw new InvalidArgumentError(`pooling ${String(pooling)} is not a known Pooling value (use POOLING_MEAN or POOLING_CLS)`);
  }
}

/** L2-normalises each `width`-wide row in place. */
function normalizeRows(rows: Float32Array, width: number): void {
  for (let at = 0; at < rows.length; at += width) rows.set(l2Normalize(rows.subarray(at, at + width)), at);
}
