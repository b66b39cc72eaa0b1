/**
 * A random tiny BERT written as a Hugging Face folder, as `mneme import-model --from` takes it: the
 * one fixture of the tests that import an encoder into a model store (the store's own spec, the
 * trainer's damaged-encoder spec). Test code only, reached through `@mneme/models/testing`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '@mneme/random';
import type { BertConfig } from './bert-config.js';
import { bertParameterShapes, type BertWeights } from './bert-encoder.js';
import { bertWeightsToSafetensors } from './hf-export.js';
import { filled } from './init.js';

/** The tiny BERT's configuration: 16 tokens, width 8, one layer of two heads. */
export const TINY_BERT_CONFIG: BertConfig = Object.freeze({
  vocabSize: 16,
  hiddenSize: 8,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  intermediateSize: 16,
  maxPositionEmbeddings: 12,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
});

/** Its `config.json`, in Hugging Face's names. */
const HF_CONFIG = {
  model_type: 'bert',
  vocab_size: 16,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 12,
  type_vocab_size: 2,
  hidden_act: 'gelu',
};

/** Its WordPiece vocabulary (`vocab.txt`). */
export const TINY_BERT_VOCAB: readonly string[] = Object.freeze([
  ...['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'the'],
  ...['cat', '##s', 'sat', '.', ',', 'a', '##a', '!'],
]);

/** Weights drawn from N(0, 0.3²) with the seeded generator, so a seed names one model. */
export function tinyBertWeights(seed: number): BertWeights {
  const rng = Rng.seeded(seed);
  return new Map([...bertParameterShapes(TINY_BERT_CONFIG)].map(([name, shape]) => [name, filled(shape, () => rng.normal(0, 0.3))]));
}

/** Options of {@link writeTinyBertFolder}. */
export interface TinyBertFolderOptions {
  /** Seed of the weights. */
  readonly seed: number;
  /**
   * Also write a sentence-transformers layout (tokenizer and sentence-BERT configs, mean pooling,
   * normalisation), as a sentence encoder ships. @default false
   */
  readonly sentenceTransformers?: boolean;
}

/** Writes the tiny BERT's Hugging Face folder into `dir` (created when missing). */
export async function writeTinyBertFolder(dir: string, options: TinyBertFolderOptions): Promise<void> {
  await mkdir(options.sentenceTransformers === true ? join(dir, '1_Pooling') : dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(HF_CONFIG));
  await writeFile(join(dir, 'model.safetensors'), bertWeightsToSafetensors(tinyBertWeights(options.seed)));
  await writeFile(join(dir, 'vocab.txt'), `${TINY_BERT_VOCAB.join('\n')}\n`);
  if (options.sentenceTransformers !== true) return;
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 512 }));
  await writeFile(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 8 }));
  await writeFile(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_mean_tokens: true }));
  await writeFile(
    join(dir, 'modules.json'),
    JSON.stringify([{ type: 'sentence_transformers.models.Transformer' }, { type: 'sentence_transformers.models.Normalize' }]),
  );
}
