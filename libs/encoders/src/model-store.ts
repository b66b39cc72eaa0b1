/**
 * The local model store (`.mneme/models/<name>/`): what the import command writes and what tests,
 * the CLI and the encoder service load. File I/O lives here, not in libs/models (a pure core lib).
 *
 * Layout of one model folder:
 *   mneme-model.json   manifest: config, tokenizer settings, pooling, source and its sha256
 *   embeddings.onnx    input_ids (+ token_type_ids) → inputs_embeds
 *   encoder.onnx       inputs_embeds + attention_mask → last_hidden_state, cls, mean_pooled
 *   vocab.txt          tokens by id
 *   tokenizer.json     the Hugging Face tokenizer file, copied for reference (when the source has one)
 *
 * Each graph is one self-contained ONNX file (no external data): ~47 MB and ~43 MB for MiniLM, far
 * below protobuf's 2 GiB cap, and the engine hands ORT the encoded model from memory anyway, so
 * external data would buy no memory mapping, only more files to keep consistent.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { loadModel, saveModel, type Dim, type Model } from '@mneme/graph';
import {
  buildBertEncoderFused,
  buildBertGraphs,
  ENCODER_IO,
  importHfBert,
  parseVocabText,
  validateBertConfig,
  WordPieceTokenizer,
  type BertConfig,
  type HfModelFiles,
  type ImportedBert,
  type SentencePooling,
  type SpecialTokenIds,
  type WordPieceSettings,
} from '@mneme/models';

/** Name of the manifest file in a model folder. */
export const MANIFEST_FILE = 'mneme-model.json';
/** Format tag of {@link StoreManifest}. */
export const MANIFEST_FORMAT = 'mneme-encoder';
/** Version of {@link StoreManifest}; bump it on incompatible changes (loaders then ask for a re-import). */
export const MANIFEST_VERSION = 1;

/** Where a stored model came from. */
export interface ModelSource {
  /** Registry package that carried the weights (absent for `--from` folders). */
  package?: string | undefined;
  version?: string | undefined;
  /** Weights file name in the source folder. */
  weightsFile: string;
  /** sha256 of the weights file: the import is skipped when it is unchanged. */
  weightsSha256: string;
}

/** `mneme-model.json`: everything needed to use a stored encoder without its source. */
export interface StoreManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  name: string;
  architecture: 'bert';
  config: BertConfig;
  tokenizer: WordPieceSettings & { specialTokenIds: SpecialTokenIds };
  pooling: SentencePooling;
  normalize: boolean;
  /** Width of the sentence embedding. */
  dimension: number;
  files: { embeddings: string; encoder: string; vocab: string; tokenizer?: string | undefined };
  source: ModelSource;
  /** Checkpoint tensors the graphs do not use. */
  ignoredTensors: string[];
  importedAt: string;
}

/** A loaded store: graphs decoded, tokenizer ready. */
export interface EncoderStore {
  dir: string;
  manifest: StoreManifest;
  tokenizer: WordPieceTokenizer;
  /** input_ids (+ token_type_ids) → inputs_embeds. */
  embeddings: Model;
  /**
   * inputs_embeds + attention_mask → last_hidden_state, cls, mean_pooled, in standard ONNX ops: the
   * graph gradients are built from (prompt tuning, distillation).
   */
  encoder: Model;
  /**
   * The same encoder for inference only, built at load from `encoder`'s weights with ONNX Runtime's
   * fused kernels (`buildBertEncoderFused`): same inputs and outputs, faster forward passes, no
   * gradients. Embedding and serving paths run this one.
   */
  inferenceEncoder: Model;
}

/** sha256 of a file, streamed (weights files are large). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const optional = async <T>(path: string, read: (p: string) => Promise<T>): Promise<T | undefined> =>
  existsSync(path) ? read(path) : undefined;

/** The weights file a Hugging Face folder ships. PyTorch-only checkpoints need converting first. */
export const WEIGHTS_FILE = 'model.safetensors';

/**
 * Reads a model folder in the Hugging Face layout (config.json, model.safetensors, vocab.txt and/or
 * tokenizer.json, tokenizer_config.json, special_tokens_map.json and the sentence-transformers
 * files sentence_bert_config.json, modules.json, 1_Pooling/config.json when present).
 *
 * @throws InvalidArgumentError naming the missing required files
 */
export async function readHfFolder(dir: string): Promise<HfModelFiles> {
  const missing = ['config.json', WEIGHTS_FILE].filter((f) => !existsSync(join(dir, f)));
  if (!existsSync(join(dir, 'vocab.txt')) && !existsSync(join(dir, 'tokenizer.json'))) missing.push('vocab.txt or tokenizer.json');
  if (missing.length > 0) {
    const hint = existsSync(join(dir, 'pytorch_model.bin'))
      ? ' (only pytorch_model.bin is there: convert it once with `safetensors.torch.save_file(torch.load(path), "model.safetensors")`)'
      : '';
    throw new InvalidArgumentError(`${dir} is not a Hugging Face model folder: missing ${missing.join(', ')}${hint}`);
  }
  return {
    config: await readJson(join(dir, 'config.json')),
    safetensors: await readFile(join(dir, WEIGHTS_FILE)),
    vocabText: await optional(join(dir, 'vocab.txt'), (p) => readFile(p, 'utf8')),
    tokenizerJson: await optional(join(dir, 'tokenizer.json'), readJson),
    tokenizerConfig: await optional(join(dir, 'tokenizer_config.json'), readJson),
    specialTokensMap: await optional(join(dir, 'special_tokens_map.json'), readJson),
    sentenceBertConfig: await optional(join(dir, 'sentence_bert_config.json'), readJson),
    poolingConfig: await optional(join(dir, '1_Pooling', 'config.json'), readJson),
    modules: await optional(join(dir, 'modules.json'), readJson),
  };
}

/** The manifest of a stored model, or undefined when the folder has none (or an unreadable one). */
export async function readManifest(dir: string): Promise<StoreManifest | undefined> {
  try {
    const m = (await readJson(join(dir, MANIFEST_FILE))) as StoreManifest;
    return m.format === MANIFEST_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link writeEncoderStore}. */
export interface WriteStoreOptions {
  /** Model name (the folder name under the store). */
  name: string;
  /** Store root, e.g. `.mneme/models`. */
  store: string;
  source: ModelSource;
  /** Source folder, to copy tokenizer.json from when it has one. */
  sourceDir?: string | undefined;
  /** Status lines (to stderr in the command). @default no output */
  log?: (line: string) => void;
}

/**
 * Builds both graphs from an imported model and writes the store folder. Writes go to a temporary
 * sibling folder that replaces the old one at the end, so a failed import never leaves half a model.
 */
export async function writeEncoderStore(imported: ImportedBert, options: WriteStoreOptions): Promise<string> {
  const log = options.log ?? (() => undefined);
  const dir = join(options.store, options.name);
  const tmp = join(options.store, `.${options.name}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    log('building ONNX graphs');
    const graphs = buildBertGraphs(imported.config, imported.weights);
    const files: StoreManifest['files'] = { embeddings: 'embeddings.onnx', encoder: 'encoder.onnx', vocab: 'vocab.txt' };
    log(`writing ${files.embeddings} and ${files.encoder}`);
    await saveModel(graphs.embeddings, join(tmp, files.embeddings));
    await saveModel(graphs.encoder, join(tmp, files.encoder));
    await writeFile(join(tmp, files.vocab), `${imported.vocab.join('\n')}\n`);
    if (options.sourceDir !== undefined && existsSync(join(options.sourceDir, 'tokenizer.json'))) {
      files.tokenizer = 'tokenizer.json';
      await copyFile(join(options.sourceDir, 'tokenizer.json'), join(tmp, files.tokenizer));
    }
    const tokenizer = new WordPieceTokenizer(imported.vocab, imported.tokenizer);
    const manifest: StoreManifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      name: options.name,
      architecture: 'bert',
      config: imported.config,
      tokenizer: { ...imported.tokenizer, specialTokenIds: { ...tokenizer.specialIds } },
      pooling: imported.pooling,
      normalize: imported.normalize,
      dimension: imported.config.hiddenSize,
      files,
      source: options.source,
      ignoredTensors: imported.ignoredTensors,
      importedAt: new Date().toISOString(),
    };
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return dir;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Options of {@link importFolderToStore}. */
export interface ImportFolderOptions extends Omit<WriteStoreOptions, 'source' | 'sourceDir'> {
  /** The Hugging Face model folder. */
  from: string;
  /** Registry package and version that carried the folder, recorded in the manifest. */
  package?: string | undefined;
  version?: string | undefined;
  /** Re-import even when the store holds the same weights. @default false */
  force?: boolean;
}

/** What {@link importFolderToStore} did. */
export interface ImportResult {
  dir: string;
  /** False when the store already held a model imported from the same weights. */
  imported: boolean;
  manifest: StoreManifest;
}

/**
 * Imports a Hugging Face folder into the store, unless the store already holds a model made from a
 * weights file with the same sha256 (and its files are all there).
 */
export async function importFolderToStore(options: ImportFolderOptions): Promise<ImportResult> {
  const log = options.log ?? (() => undefined);
  const weightsPath = join(options.from, WEIGHTS_FILE);
  if (!existsSync(weightsPath)) await readHfFolder(options.from); // throws the full "missing files" message
  log(`hashing ${WEIGHTS_FILE}`);
  const weightsSha256 = await sha256File(weightsPath);
  const dir = join(options.store, options.name);
  const existing = await readManifest(dir);
  if (
    options.force !== true &&
    existing !== undefined &&
    existing.source.weightsSha256 === weightsSha256 &&
    storeFilesPresent(dir, existing)
  ) {
    log(`${options.name}: store already holds these weights (sha256 ${weightsSha256.slice(0, 12)}…), skipping`);
    return { dir, imported: false, manifest: existing };
  }
  log(`reading ${options.from}`);
  const imported = importHfBert(await readHfFolder(options.from));
  log(
    `imported ${imported.config.numHiddenLayers} layers, hidden ${imported.config.hiddenSize}, vocabulary ${imported.vocab.length}; ignored ${imported.ignoredTensors.join(', ') || 'nothing'}`,
  );
  const source: ModelSource = { package: options.package, version: options.version, weightsFile: WEIGHTS_FILE, weightsSha256 };
  const written = await writeEncoderStore(imported, { ...options, source, sourceDir: options.from });
  log(`${options.name}: written to ${written}`);
  return { dir: written, imported: true, manifest: (await readManifest(written))! };
}

/** Whether every file the manifest names exists in `dir`. */
export function storeFilesPresent(dir: string, manifest: StoreManifest): boolean {
  return Object.values(manifest.files).every((f) => f === undefined || existsSync(join(dir, f)));
}

/**
 * Loads a stored encoder: manifest, tokenizer, both graphs and the forward-only encoder built from them.
 *
 * @throws InvalidArgumentError when the folder is not a complete mneme model store
 * @throws MnemeError `invalid-argument` naming the file when a graph in it is damaged or not the one the manifest describes
 */
export async function loadEncoderStore(dir: string): Promise<EncoderStore> {
  const manifest = await readManifest(dir);
  if (manifest === undefined)
    throw new InvalidArgumentError(`${dir} holds no ${MANIFEST_FILE}; import the model first (npx mneme import-model)`);
  const problems: string[] = [];
  if (manifest.formatVersion !== MANIFEST_VERSION)
    problems.push(
      `${MANIFEST_FILE} has format version ${manifest.formatVersion}, this code reads ${MANIFEST_VERSION}: re-import the model`,
    );
  problems.push(...validateBertConfig(manifest.config).map((p) => `${MANIFEST_FILE}: ${p}`));
  for (const f of Object.values(manifest.files))
    if (f !== undefined && !existsSync(join(dir, f))) problems.push(`${dir} is missing ${f}: re-import the model`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  const { specialTokenIds: _ids, ...settings } = manifest.tokenizer;
  const tokenizer = new WordPieceTokenizer(parseVocabText(await readFile(join(dir, manifest.files.vocab), 'utf8')), settings);
  const [embeddings, encoder] = await Promise.all([
    loadStoreGraph(dir, manifest.files.embeddings),
    loadStoreGraph(dir, manifest.files.encoder),
  ]);
  const inferenceEncoder = inStore(dir, manifest.files.encoder, () =>
    buildBertEncoderFused(manifest.config, encoder.graph.initializers, encoderDims(encoder)),
  );
  return { dir, manifest, tokenizer, embeddings, encoder, inferenceEncoder };
}

/** Loads one graph of a store, naming the file when it cannot be used. */
async function loadStoreGraph(dir: string, file: string): Promise<Model> {
  try {
    return await loadModel(join(dir, file));
  } catch (error) {
    throw inStoreError(dir, file, error);
  }
}

/** Runs `build` on a graph of a store, naming the file when the graph cannot be used. */
function inStore<T>(dir: string, file: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw inStoreError(dir, file, error);
  }
}

/**
 * The error of a store file, named: a damaged or foreign graph is the model's fault (the graph
 * library's `invalid-argument`, which a re-import fixes); anything else keeps its kind.
 */
function inStoreError(dir: string, file: string, error: unknown): MnemeError {
  const cause = MnemeError.from(error);
  // The hint goes first: a long list of problems may be cut where it crosses the wire.
  const what = cause.kind === 'invalid-argument' ? `${join(dir, file)} cannot be used (re-import the model)` : join(dir, file);
  return new MnemeError(cause.kind, `${what}: ${cause.message}`, { cause: error });
}

/** The batch and sequence dims the stored encoder declares for inputs_embeds (kept by the fused graph). */
function encoderDims(encoder: Model): { batch?: Dim; sequence?: Dim } {
  const shape = encoder.graph.inputs.find((i) => i.name === ENCODER_IO.inputsEmbeds)?.shape;
  return shape === undefined ? {} : { batch: shape[0]!, sequence: shape[1]! };
}
