/**
 * WordPiece tokenisation as in BERT: basic tokenisation, then greedy longest-match-first sub-words
 * with a `##` continuation prefix, then `[CLS] … [SEP]`, truncation, padding and attention masks.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { int64FromInt32 } from '@mneme/tensor';
import { basicTokenize } from './basic-tokenizer.js';

/** Every setting of a {@link WordPieceTokenizer}; serialisable (model stores keep it as JSON). */
export interface WordPieceSettings {
  /** Lower-case text (uncased models). @default true */
  lowercase: boolean;
  /** Strip accents (NFD, drop Mn). @default the value of `lowercase` */
  stripAccents: boolean;
  /** Space out CJK ideographs. @default true */
  tokenizeChineseChars: boolean;
  /** @default '[UNK]' */
  unkToken: string;
  /** @default '[CLS]' */
  clsToken: string;
  /** @default '[SEP]' */
  sepToken: string;
  /** @default '[PAD]' */
  padToken: string;
  /** @default '[MASK]' */
  maskToken: string;
  /** Prefix of word-internal pieces. @default '##' */
  continuingSubwordPrefix: string;
  /** Words longer than this many code points become `unkToken` whole. @default 100 */
  maxInputCharsPerWord: number;
  /** Default length cap, `[CLS]` and `[SEP]` included. @default 512 */
  maxLength: number;
  /**
   * Occurrences of the special tokens in the raw text are kept as those tokens (as the Hugging Face
   * tokenizers do with their added tokens), instead of being split into `[`, `mask`, `]`.
   * @default true
   */
  splitSpecialTokens: boolean;
}

/** Options of {@link WordPieceTokenizer.encode}. */
export interface EncodeOptions {
  /** Length cap per text, `[CLS]` and `[SEP]` included (longer texts are truncated). @default settings.maxLength */
  maxLength?: number;
  /** `longest`: pad to the longest text of the batch; `max-length`: pad every row to `maxLength`. @default 'longest' */
  padding?: 'longest' | 'max-length';
}

/** A batch of encoded texts, row-major `[batch, sequence]`, ready to feed as int64 tensors. */
export interface Encoding {
  inputIds: BigInt64Array;
  /** 1 for real tokens (specials included), 0 for padding. */
  attentionMask: BigInt64Array;
  /** All zeros: single-segment inputs. */
  tokenTypeIds: BigInt64Array;
  /** `[batch, sequence]`. */
  shape: [number, number];
  /** Unpadded length of each row. */
  lengths: number[];
}

/** The four ids every BERT input needs, plus the mask id. */
export interface SpecialTokenIds {
  cls: number;
  sep: number;
  pad: number;
  unk: number;
  mask?: number;
}

const DEFAULT_SETTINGS: Omit<WordPieceSettings, 'stripAccents'> = Object.freeze({
  lowercase: true,
  tokenizeChineseChars: true,
  unkToken: '[UNK]',
  clsToken: '[CLS]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
  maskToken: '[MASK]',
  continuingSubwordPrefix: '##',
  maxInputCharsPerWord: 100,
  maxLength: 512,
  splitSpecialTokens: true,
});

/** Fills defaults into partial settings (`stripAccents` follows `lowercase` unless set). */
export function resolveWordPieceSettings(partial: Partial<WordPieceSettings> = {}): WordPieceSettings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<WordPieceSettings>;
  const merged = { ...DEFAULT_SETTINGS, ...defined };
  return { ...merged, stripAccents: defined.stripAccents ?? merged.lowercase };
}

/**
 * Parses `vocab.txt`: one token per line, the id is the line number (a repeated token keeps its
 * last id, as in the Python reference).
 */
export function parseVocabText(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** BERT's WordPiece tokenizer over a fixed vocabulary. */
export class WordPieceTokenizer {
  /** The resolved settings. */
  readonly settings: Readonly<WordPieceSettings>;
  /** Ids of the special tokens. */
  readonly specialIds: Readonly<SpecialTokenIds>;
  private readonly ids: Map<string, number>;
  private readonly tokens: readonly string[];
  private readonly specialPattern: RegExp | undefined;

  /**
   * @param vocab tokens by id (`vocab[id]`), e.g. from {@link parseVocabText}
   * @throws InvalidArgumentError when settings are invalid or a special token is not in the vocabulary
   */
  constructor(vocab: readonly string[], settings: Partial<WordPieceSettings> = {}) {
    this.settings = Object.freeze(resolveWordPieceSettings(settings));
    this.tokens = [...vocab];
    this.ids = new Map(vocab.map((t, i) => [t, i]));
    const s = this.settings;
    const problems: string[] = [];
    if (!Number.isInteger(s.maxLength) || s.maxLength < 2)
      problems.push(`maxLength must be an integer ≥ 2 (room for [CLS] and [SEP]), got ${s.maxLength}`);
    if (!Number.isInteger(s.maxInputCharsPerWord) || s.maxInputCharsPerWord < 1)
      problems.push(`maxInputCharsPerWord must be a positive integer, got ${s.maxInputCharsPerWord}`);
    const need = (token: string, role: string): number => {
      const id = this.ids.get(token);
      if (id === undefined) problems.push(`${role} token '${token}' is not in the vocabulary (${vocab.length} tokens)`);
      return id ?? -1;
    };
    this.specialIds = Object.freeze({
      cls: need(s.clsToken, 'CLS'),
      sep: need(s.sepToken, 'SEP'),
      pad: need(s.padToken, 'padding'),
      unk: need(s.unkToken, 'unknown'),
      ...(this.ids.has(s.maskToken) ? { mask: this.ids.get(s.maskToken)! } : {}),
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems.map((p) => `WordPiece tokenizer: ${p}`));
    const specials = [...new Set([s.unkToken, s.clsToken, s.sepToken, s.padToken, s.maskToken])].filter((t) => t !== '' && this.ids.has(t));
    // Longest first, so a token that contains another wins (leftmost-longest, like the HF matcher).
    specials.sort((a, b) => b.length - a.length);
    this.specialPattern =
      s.splitSpecialTokens && specials.length > 0 ? new RegExp(`(${specials.map(escapeRegExp).join('|')})`, 'u') : undefined;
  }

  /** A tokenizer from the text of a `vocab.txt` file. */
  static fromVocabText(text: string, settings: Partial<WordPieceSettings> = {}): WordPieceTokenizer {
    return new WordPieceTokenizer(parseVocabText(text), settings);
  }

  /** Number of tokens in the vocabulary. */
  get vocabSize(): number {
    return this.tokens.length;
  }

  /** The id of `token`, if it is in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** The token with this id, if any. */
  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  /** WordPiece tokens of `text` (no `[CLS]`/`[SEP]`, no truncation). */
  tokenize(text: string): string[] {
    const out: string[] = [];
    const parts = this.specialPattern === undefined ? [text] : text.split(this.specialPattern);
    // split() with a capturing group alternates text and matched special tokens.
    parts.forEach((part, i) => {
      if (i % 2 === 1) out.push(part);
      else for (const word of basicTokenize(part, this.settings)) this.wordPiece(word, out);
    });
    return out;
  }

  /** Token ids of one text: `[CLS] pieces [SEP]`, truncated to `maxLength` ids. */
  encodeIds(text: string, maxLength: number = this.settings.maxLength): number[] {
    checkMaxLength(maxLength);
    const pieces = this.tokenize(text).slice(0, maxLength - 2);
    return [this.specialIds.cls, ...pieces.map((t) => this.ids.get(t) ?? this.specialIds.unk), this.specialIds.sep];
  }

  /** Encodes a batch: ids, attention masks and token type ids, padded per `options.padding`. */
  encode(texts: readonly string[], options: EncodeOptions = {}): Encoding {
    const maxLength = options.maxLength ?? this.settings.maxLength;
    checkMaxLength(maxLength);
    const padding = options.padding ?? 'longest';
    if (padding !== 'longest' && padding !== 'max-length')
      throw new InvalidArgumentError(`padding must be 'longest' or 'max-length', got '${String(padding)}'`);
    const rows = texts.map((t) => this.encodeIds(t, maxLength));
    return padBatch(rows, this.specialIds.pad, padding === 'max-length' ? maxLength : undefined);
  }

  /** Greedy longest-match-first WordPiece of one basic token, appended to `out`. */
  private wordPiece(word: string, out: string[]): void {
    const chars = Array.from(word);
    if (chars.length > this.settings.maxInputCharsPerWord) {
      out.push(this.settings.unkToken);
      return;
    }
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.settings.continuingSubwordPrefix : '') + chars.slice(start, end).join('');
        if (this.ids.has(sub)) {
          found = sub;
          break;
        }
        end--;
      }
      // One unmatched position makes the whole word unknown, as in BERT.
      if (found === undefined) {
        out.push(this.settings.unkToken);
        return;
      }
      pieces.push(found);
      start = end;
    }
    for (const p of pieces) out.push(p);
  }
}

/**
 * Packs id rows into a right-padded `[batch, length]` batch with attention masks.
 *
 * @param length row length; @default the longest row
 * @throws InvalidArgumentError when a row is longer than `length`
 */
export function padBatch(rows: readonly (readonly number[])[], padId: number, length?: number): Encoding {
  const longest = Math.max(0, ...rows.map((r) => r.length));
  const seq = length ?? longest;
  if (longest > seq) throw new InvalidArgumentError(`a row has ${longest} ids, more than the padded length ${seq}`);
  const n = rows.length * seq;
  // Built as int32 and widened once: a BigInt per token would cost more than the copy.
  const ids = new Int32Array(n).fill(padId);
  const mask = new Int32Array(n);
  rows.forEach((row, b) => {
    ids.set(row, b * seq);
    mask.fill(1, b * seq, b * seq + row.length);
  });
  const inputIds = int64FromInt32(ids);
  const attentionMask = int64FromInt32(mask);
  return { inputIds, attentionMask, tokenTypeIds: new BigInt64Array(n), shape: [rows.length, seq], lengths: rows.map((r) => r.length) };
}

function checkMaxLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 2)
    throw new InvalidArgumentError(`maxLength must be an integer ≥ 2 (room for [CLS] and [SEP]), got ${maxLength}`);
}
