/**
 * The BERT-family importer: a model folder in the Hugging Face layout (config.json,
 * model.safetensors, vocab.txt and/or tokenizer.json, tokenizer_config.json, sentence-transformers
 * files), already read into memory by the caller, → BertConfig + BertWeights + tokenizer settings →
 * the two ONNX entry points. Pure: no file system here.
 */
import { type Tensor } from '@mneme/tensor';
import { createTensor, type Model } from '@mneme/graph';
import { InvalidArgumentError } from '@mneme/errors';
import { validateBertConfig, type BertConfig } from './bert-config.js';
import { bertParameterShapes, buildBertEmbeddings, buildBertEncoder, type BertGraphOptions, type BertWeights } from './bert-encoder.js';
import { parseSafetensors, type SafetensorsFile } from './safetensors.js';
import { parseVocabText, resolveWordPieceSettings, WordPieceTokenizer, type WordPieceSettings } from './wordpiece-tokenizer.js';

/** The files of a Hugging Face model folder, read by the caller (JSON files already parsed). */
export interface HfModelFiles {
  /** `config.json`. */
  config: unknown;
  /** `model.safetensors` bytes. */
  safetensors: Uint8Array;
  /** `vocab.txt` text; when absent the vocabulary comes from `tokenizer.json`. */
  vocabText?: string | undefined;
  /** `tokenizer.json` (Hugging Face tokenizers); its normalizer and WordPiece model settings are used. */
  tokenizerJson?: unknown;
  /** `tokenizer_config.json`; its settings win over `tokenizer.json`'s, as in transformers. */
  tokenizerConfig?: unknown;
  /** `special_tokens_map.json`. */
  specialTokensMap?: unknown;
  /** `sentence_bert_config.json` (sentence-transformers): `max_seq_length` sets the default length cap. */
  sentenceBertConfig?: unknown;
  /** `1_Pooling/config.json` (sentence-transformers): the pooling mode. */
  poolingConfig?: unknown;
  /** `modules.json` (sentence-transformers): a Normalize module means embeddings are L2-normalised. */
  modules?: unknown;
}

/** Sentence-embedding pooling of an imported model. */
export type SentencePooling = 'mean' | 'cls';

/** What {@link importHfBert} produces. */
export interface ImportedBert {
  config: BertConfig;
  /** Weights by mneme name, linear weights transposed to [in, out]. */
  weights: BertWeights;
  /** Tokens by id. */
  vocab: string[];
  tokenizer: WordPieceSettings;
  /** How sentence-transformers pools this model (mean when it says nothing). */
  pooling: SentencePooling;
  /** Whether sentence embeddings are L2-normalised after pooling. */
  normalize: boolean;
  /** Checkpoint tensors the encoder does not use (pooler, MLM head, position_ids buffer), sorted. */
  ignoredTensors: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObject = (v: unknown): Json => (isObject(v) ? v : {});

/** Activations the graph builder implements exactly (erf GELU). */
const SUPPORTED_ACTIVATIONS: ReadonlySet<string> = new Set(['gelu']);
/** Architectures whose parameters and embeddings match BERT's (RoBERTa offsets positions; not supported). */
const SUPPORTED_MODEL_TYPES: ReadonlySet<string> = new Set(['bert']);

/**
 * Maps a Hugging Face BERT `config.json` to a BertConfig.
 *
 * @throws InvalidArgumentError listing every missing, invalid or unsupported field
 */
export function bertConfigFromHf(json: unknown): BertConfig {
  if (!isObject(json)) throw new InvalidArgumentError('config.json must be a JSON object');
  const problems: string[] = [];
  const int = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      problems.push(`config.json: '${key}' must be an integer, got ${JSON.stringify(v)}`);
      return 0;
    }
    return v;
  };
  const modelType = json['model_type'];
  if (modelType !== undefined && !SUPPORTED_MODEL_TYPES.has(String(modelType))) {
    problems.push(`config.json: model_type '${String(modelType)}' is not supported (only ${[...SUPPORTED_MODEL_TYPES].join(', ')})`);
  }
  const positions = json['position_embedding_type'];
  if (positions !== undefined && positions !== 'absolute')
    problems.push(`config.json: position_embedding_type '${String(positions)}' is not supported (only 'absolute')`);
  const act = json['hidden_act'] ?? 'gelu';
  if (!SUPPORTED_ACTIVATIONS.has(String(act)))
    problems.push(`config.json: hidden_act '${String(act)}' is not supported (only exact 'gelu')`);
  const eps = json['layer_norm_eps'] ?? 1e-12;
  if (typeof eps !== 'number') problems.push(`config.json: 'layer_norm_eps' must be a number, got ${JSON.stringify(eps)}`);
  const config: BertConfig = {
    vocabSize: int('vocab_size'),
    hiddenSize: int('hidden_size'),
    numHiddenLayers: int('num_hidden_layers'),
    numAttentionHeads: int('num_attention_heads'),
    intermediateSize: int('intermediate_size'),
    maxPositionEmbeddings: int('max_position_embeddings', 512),
    typeVocabSize: int('type_vocab_size', 2),
    layerNormEps: typeof eps === 'number' ? eps : 1e-12,
    hiddenAct: 'gelu',
  };
  if (problems.length === 0) problems.push(...validateBertConfig(config).map((p) => `config.json: ${p}`));
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return config;
}

/**
 * The mneme name of a checkpoint tensor: drops a leading `bert.` (task-head checkpoints such as
 * BertForSequenceClassification) and renames TF-era LayerNorm `gamma`/`beta` to `weight`/`bias`.
 */
export function mnemeParameterName(hfName: string): string {
  const name = hfName.startsWith('bert.') ? hfName.slice('bert.'.length) : hfName;
  return name.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
}

/** Transposes a row-major [rows, cols] matrix. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!;
  }
  return out;
}

/**
 * Reads BERT weights from a parsed safetensors checkpoint. Linear (encoder) weights are transposed
 * from PyTorch's [out, in] to mneme's [in, out]; embedding tables are kept as they are.
 *
 * @throws InvalidArgumentError listing every missing tensor and every shape mismatch
 */
export function bertWeightsFromSafetensors(file: SafetensorsFile, config: BertConfig): { weights: BertWeights; ignoredTensors: string[] } {
  const expected = bertParameterShapes(config);
  const byName = new Map<string, string>();
  const ignoredTensors: string[] = [];
  for (const hfName of file.entries.keys()) {
    const name = mnemeParameterName(hfName);
    if (expected.has(name) && !byName.has(name)) byName.set(name, hfName);
    else ignoredTensors.push(hfName);
  }
  const problems: string[] = [];
  const weights = new Map<string, Tensor>();
  for (const [name, shape] of expected) {
    const hfName = byName.get(name);
    if (hfName === undefined) {
      problems.push(`checkpoint has no tensor '${name}' (nor 'bert.${name}')`);
      continue;
    }
    const entry = file.entries.get(hfName)!;
    const isLinear = shape.length === 2 && name.startsWith('encoder.');
    const want = isLinear ? [shape[1]!, shape[0]!] : shape;
    if (entry.shape.join() !== want.join()) {
      problems.push(`tensor '${hfName}' has shape [${entry.shape.join(', ')}], expected [${want.join(', ')}] for this config`);
      continue;
    }
    if (!['F32', 'F16', 'BF16', 'F64'].includes(entry.dtype)) {
      problems.push(`tensor '${hfName}' has dtype ${entry.dtype}; expected a float type`);
      continue;
    }
    const data = file.float32(hfName);
    weights.set(name, createTensor('float32', shape, isLinear ? transpose(data, want[0]!, want[1]!) : data));
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { weights, ignoredTensors: ignoredTensors.sort() };
}

/** A special token from tokenizer_config / special_tokens_map: a string or `{content}`. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v['content'] === 'string') return v['content'];
  return undefined;
}

const optionalBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const optionalInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/**
 * Tokenizer settings from the tokenizer files. Precedence follows transformers: tokenizer_config.json
 * over tokenizer.json's normalizer; sentence-transformers' `max_seq_length` sets the length cap,
 * else `model_max_length`, never beyond the position table.
 */
export function tokenizerSettingsFromHf(
  files: Pick<HfModelFiles, 'tokenizerJson' | 'tokenizerConfig' | 'specialTokensMap' | 'sentenceBertConfig'>,
  config: BertConfig,
): WordPieceSettings {
  const tc = asObject(files.tokenizerConfig);
  const special = asObject(files.specialTokensMap);
  const tj = asObject(files.tokenizerJson);
  const normalizer = asObject(tj['normalizer']);
  const model = asObject(tj['model']);
  const sbert = asObject(files.sentenceBertConfig);
  const token = (key: string) => tokenString(tc[key]) ?? tokenString(special[key]);
  const modelMax = optionalInt(tc['model_max_length']);
  const maxLength =
    optionalInt(sbert['max_seq_length']) ??
    (modelMax !== undefined && modelMax < 1_000_000 ? modelMax : undefined) ??
    config.maxPositionEmbeddings;
  const partial: Partial<WordPieceSettings> = { maxLength: Math.min(maxLength, config.maxPositionEmbeddings) };
  const set = <K extends keyof WordPieceSettings>(key: K, value: WordPieceSettings[K] | undefined) => {
    if (value !== undefined) partial[key] = value;
  };
  set('lowercase', optionalBool(tc['do_lower_case']) ?? optionalBool(normalizer['lowercase']));
  // null (or absent) means "follow lowercase" in both files.
  set('stripAccents', optionalBool(tc['strip_accents']) ?? optionalBool(normalizer['strip_accents']));
  set('tokenizeChineseChars', optionalBool(tc['tokenize_chinese_chars']) ?? optionalBool(normalizer['handle_chinese_chars']));
  set('unkToken', token('unk_token'));
  set('clsToken', token('cls_token'));
  set('sepToken', token('sep_token'));
  set('padToken', token('pad_token'));
  set('maskToken', token('mask_token'));
  set('continuingSubwordPrefix', typeof model['continuing_subword_prefix'] === 'string' ? model['continuing_subword_prefix'] : undefined);
  set('maxInputCharsPerWord', optionalInt(model['max_input_chars_per_word']));
  return resolveWordPieceSettings(partial);
}

/**
 * The vocabulary, tokens by id: from vocab.txt, else from tokenizer.json's WordPiece `model.vocab`.
 *
 * @throws InvalidArgumentError when neither is usable
 */
export function vocabFromHf(files: Pick<HfModelFiles, 'vocabText' | 'tokenizerJson'>): string[] {
  if (files.vocabText !== undefined) return parseVocabText(files.vocabText);
  const model = asObject(asObject(files.tokenizerJson)['model']);
  const vocab = model['vocab'];
  if (model['type'] !== 'WordPiece' || !isObject(vocab)) {
    throw new InvalidArgumentError('no vocabulary: give vocab.txt, or a tokenizer.json whose model is WordPiece with a vocab');
  }
  const tokens: string[] = [];
  for (const [t, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      throw new InvalidArgumentError(`tokenizer.json: token '${t}' has invalid id ${JSON.stringify(id)}`);
    tokens[id] = t;
  }
  let holes = 0;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === undefined) holes++;
  if (holes > 0)
    throw new InvalidArgumentError(`tokenizer.json: vocabulary ids are not contiguous (${holes} missing below ${tokens.length})`);
  return tokens;
}

/**
 * Imports a BERT-family model from its Hugging Face files.
 *
 * @throws InvalidArgumentError listing what is missing, malformed or unsupported
 */
export function importHfBert(files: HfModelFiles): ImportedBert {
  const config = bertConfigFromHf(files.config);
  const { weights, ignoredTensors } = bertWeightsFromSafetensors(parseSafetensors(files.safetensors), config);
  const vocab = vocabFromHf(files);
  if (vocab.length > config.vocabSize) {
    throw new InvalidArgumentError(`the vocabulary has ${vocab.length} tokens but the embedding table only ${config.vocabSize} rows`);
  }
  const tokenizer = tokenizerSettingsFromHf(files, config);
  // Constructing the tokenizer checks that every special token is in the vocabulary.
  void new WordPieceTokenizer(vocab, tokenizer);
  const pool = asObject(files.poolingConfig);
  if (pool['pooling_mode_max_tokens'] === true || pool['pooling_mode_mean_sqrt_len_tokens'] === true) {
    throw new InvalidArgumentError('1_Pooling/config.json: only mean or CLS pooling is supported');
  }
  const pooling: SentencePooling = pool['pooling_mode_cls_token'] === true && pool['pooling_mode_mean_tokens'] !== true ? 'cls' : 'mean';
  const modules = Array.isArray(files.modules) ? (files.modules as unknown[]) : [];
  const normalize = modules.some((m) => isObject(m) && typeof m['type'] === 'string' && m['type'].endsWith('.Normalize'));
  return { config, weights, vocab, tokenizer, pooling, normalize, ignoredTensors };
}

/** The two ONNX entry points of an imported model. */
export interface BertGraphs {
  /** `input_ids` (+ `token_type_ids`) → `inputs_embeds`. */
  embeddings: Model;
  /** `inputs_embeds` + `attention_mask` → `last_hidden_state`, `cls`, `mean_pooled`. */
  encoder: Model;
}

/** Builds both entry points from imported (or any) BERT weights. */
export function buildBertGraphs(config: BertConfig, weights: BertWeights, options: BertGraphOptions = {}): BertGraphs {
  return { embeddings: buildBertEmbeddings(config, weights, options), encoder: buildBertEncoder(config, weights, options) };
}
