/** Model builders (MLP, small CNN, BERT-family encoders), the BERT importer and the WordPiece tokenizer. */
export { buildMlp, buildCnn, withCrossEntropyLoss, CLASSIFIER_IO } from './classifiers.js';
export type { MlpOptions, CnnOptions } from './classifiers.js';
export { initWeight, initBias, filled } from './init.js';
export type { InitScheme } from './init.js';
export { MINILM_L6_SHAPE, validateBertConfig } from './bert-config.js';
export type { BertConfig } from './bert-config.js';
export { buildBertEmbeddings, buildBertEncoder, bertParameterShapes, randomBertWeights, ENCODER_IO } from './bert-encoder.js';
export type { BertWeights, BertGraphOptions } from './bert-encoder.js';
