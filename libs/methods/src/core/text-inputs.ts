import type { Model } from '@mneme/graph';
import type { BertConfig, BertWeights } from '@mneme/models';

/**
 * The token-level view of a text benchmark, for strategies that run the frozen encoder themselves
 * (l2p prepends prompts to token embeddings). Text benchmarks fill {@link StrategyContext.text}, and
 * so do the services for such strategies on text models (batch ids are then log positions, and
 * predictions pass `PredictOptions.tokens`); elsewhere it is absent and such strategies fall back to
 * their feature-level form.
 *
 * Contract: every feature row the loop passes (in batches and to `predict`) is the `pooled` output
 * of `encoder` on its sample's tokens (sentence embeddings, possibly L2-normalised), so a strategy
 * may use it directly as the frozen encoder's query for that sample.
 */
export interface TextInputs {
  /** `input_ids` (+ `token_type_ids`) → `inputs_embeds` [batch, seq, hidden] (ENCODER_IO names). */
  readonly embeddings: Model;
  /** The frozen encoder: `inputs_embeds` + `attention_mask` → `mean_pooled`, `cls`, `last_hidden_state`. */
  readonly encoder: Model;
  /**
   * The same encoder for forward passes only (on ONNX Runtime's fused kernels, same inputs and
   * outputs); prediction graphs use it when given, gradient graphs always use `encoder`.
   */
  readonly inferenceEncoder?: Model;
  /**
   * The encoder's architecture and weights, for strategies that build their own slices of it
   * (prefix prompts in chosen layers, a cached frozen lower part). Absent for encoders that are not
   * BERT-shaped; such strategies then say so.
   */
  readonly bert?: { readonly config: BertConfig; readonly weights: BertWeights };
  /** The encoder output that is the sentence embedding (`mean_pooled` or `cls`). */
  readonly pooled: string;
  /** Whether the features are the L2-normalised sentence embedding. */
  readonly normalize: boolean;
  /** Width of token embeddings and sentence embeddings. */
  readonly hiddenSize: number;
  /** Id of the padding token. */
  readonly padId: number;
  /**
   * Token ids (`[CLS] … [SEP]`) of data-set samples by id (`LabelledBatch.ids`).
   *
   * @throws InvalidArgumentError for an id outside the data set
   */
  tokensOfIds(ids: Int32Array): number[][];
  /**
   * Token ids of the samples whose feature rows are `features` (`predict` gets features only; a
   * row is matched by its exact bytes, so it must be a row the benchmark produced).
   *
   * @throws InvalidArgumentError for a row the benchmark did not produce
   */
  tokensOfFeatures(features: Float32Array): number[][];
}
