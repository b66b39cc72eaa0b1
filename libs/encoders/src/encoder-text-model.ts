import type { Model } from '@mneme/graph';
import { ENCODER_IO, type BertConfig, type BertWeights } from '@mneme/models';
import type { EncoderStore } from './model-store.js';

/**
 * The graphs and settings a text strategy runs of a stored encoder: the model half of the
 * strategies' text inputs (`TextInputs` in `@mneme/methods`), shared by the benchmarks and the
 * services, which each add how sample ids become token ids.
 */
export interface EncoderTextModel {
  readonly embeddings: Model;
  readonly encoder: Model;
  readonly inferenceEncoder: Model;
  readonly bert: { readonly config: BertConfig; readonly weights: BertWeights };
  /** The encoder output that is the sentence embedding (`mean_pooled` or `cls`). */
  readonly pooled: string;
  readonly normalize: boolean;
  readonly hiddenSize: number;
  readonly padId: number;
}

/** The text model of `store`'s encoder. */
export function encoderTextModel(store: EncoderStore): EncoderTextModel {
  return {
    embeddings: store.embeddings,
    encoder: store.encoder,
    inferenceEncoder: store.inferenceEncoder,
    bert: { config: store.manifest.config, weights: store.encoder.graph.initializers },
    pooled: store.manifest.pooling === 'cls' ? ENCODER_IO.cls : ENCODER_IO.meanPooled,
    normalize: store.manifest.normalize,
    hiddenSize: store.manifest.config.hiddenSize,
    padId: store.tokenizer.specialIds.pad,
  };
}
