/** Model builders (MLP, small CNN, BERT-family encoders), the BERT importer and the WordPiece tokenizer. */
export { buildMlp, buildCnn, buildConvNet, withCrossEntropyLoss, CLASSIFIER_IO } from './classifiers.js';
export type { MlpOptions, CnnOptions, ConvNetOptions } from './classifiers.js';
export { initWeight, initBias, filled } from './init.js';
export type { InitScheme } from './init.js';
export { MINILM_L6_SHAPE, validateBertConfig } from './bert-config.js';
export type { BertConfig } from './bert-config.js';
export { buildBertEmbeddings, buildBertEncoder, bertParameterShapes, randomBertWeights, ENCODER_IO, PREFIX_IO } from './bert-encoder.js';
export type { BertWeights, BertGraphOptions, BertSliceOptions } from './bert-encoder.js';
export { buildBertEncoderFused } from './bert-encoder-fused.js';
export type { BertFusions, FusedBertGraphOptions } from './bert-encoder-fused.js';
export { encodeSafetensors, parseSafetensors, SAFETENSORS_DTYPE_BYTES } from './safetensors.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsFile, SafetensorsInput } from './safetensors.js';
export {
  basicTokenize,
  cleanText,
  lowerCase,
  isBertControl,
  isBertPunctuation,
  isBertWhitespace,
  isCjkIdeograph,
  splitOnPunctuation,
  stripAccents,
  whitespaceSplit,
} from './basic-tokenizer.js';
export type { BasicTokenizerOptions } from './basic-tokenizer.js';
export { padBatch, parseVocabText, resolveWordPieceSettings, WordPieceTokenizer } from './wordpiece-tokenizer.js';
export type { EncodeOptions, Encoding, SpecialTokenIds, WordPieceSettings } from './wordpiece-tokenizer.js';
export {
  bertConfigFromHf,
  bertWeightsFromSafetensors,
  buildBertGraphs,
  importHfBert,
  mnemeParameterName,
  tokenizerSettingsFromHf,
  vocabFromHf,
} from './hf-import.js';
export type { BertGraphs, HfModelFiles, ImportedBert, SentencePooling } from './hf-import.js';
export { bertWeightsToSafetensors } from './hf-export.js';
export type { BertExportOptions } from './hf-export.js';
