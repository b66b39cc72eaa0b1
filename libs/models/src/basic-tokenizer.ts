/**
 * BERT's basic tokenisation, as in google-research/bert `tokenization.py` (BasicTokenizer) and the
 * Hugging Face `BertNormalizer` + `BertPreTokenizer`: clean the text, space out CJK ideographs,
 * split on whitespace, lower-case and strip accents, split off punctuation.
 */

/** Options of {@link basicTokenize}. */
export interface BasicTokenizerOptions {
  /** Lower-case every token (uncased models). @default true */
  lowercase?: boolean;
  /** Remove combining marks after NFD decomposition. @default the value of `lowercase` */
  stripAccents?: boolean;
  /** Put spaces around CJK ideographs so each becomes its own token. @default true */
  tokenizeChineseChars?: boolean;
}

// Unicode property escapes keep the categories in step with the engine's Unicode tables; the
// Python reference asks unicodedata the same questions (category Zs, C*, P*, Mn).
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const OTHER = /^\p{C}$/u;
const PUNCTUATION = /^\p{P}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;
const WHITESPACE_RUN = /\s+/u;

/** BERT's `_is_whitespace`: space, tab, newline, carriage return, or a space separator (Zs). */
export function isBertWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || SPACE_SEPARATOR.test(ch);
}

/** BERT's `_is_control`: any "other" category (C*) except tab, newline and carriage return. */
export function isBertControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return OTHER.test(ch);
}

/**
 * BERT's `_is_punctuation`: every non-alphanumeric ASCII symbol (33–47, 58–64, 91–96, 123–126,
 * which includes `$`, `+`, `^` and `` ` `` that Unicode files under symbols) plus categories P*.
 */
export function isBertPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCTUATION.test(ch);
}

/**
 * BERT's `_is_chinese_char`: the CJK Unified Ideographs blocks (and extensions and compatibility
 * ideographs). Hiragana, Katakana and Hangul are not included: they are written with spaces or
 * split by WordPiece like other scripts.
 */
export function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * BERT's `_clean_text` and `_tokenize_chinese_chars` in one pass: drops NUL, U+FFFD and control
 * characters, turns whitespace into plain spaces and, when asked, surrounds CJK ideographs with
 * spaces.
 */
export function cleanText(text: string, tokenizeChineseChars = true): string {
  let out = '';
  // for..of walks code points, so astral characters (emoji, CJK extension B) stay whole.
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isBertControl(ch)) continue;
    if (isBertWhitespace(ch)) out += ' ';
    else if (tokenizeChineseChars && isCjkIdeograph(cp)) out += ` ${ch} `;
    else out += ch;
  }
  return out;
}

/** NFD-decomposes and removes nonspacing marks (Mn): "café" → "cafe". */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARK, '');
}

/**
 * Lower-cases code point by code point, as the Hugging Face `BertNormalizer` (the tokenizer
 * sentence-transformers runs) does. `String.prototype.toLowerCase` and Python's `str.lower` apply
 * the one contextual rule of Unicode's default case mapping, Greek final sigma (Σ → ς at a word's
 * end); mapping Σ to σ first removes that context and nothing else.
 */
export function lowerCase(text: string): string {
  return text.replace(/Σ/g, 'σ').toLowerCase();
}

/** Splits a token so that every punctuation character is a token of its own. */
export function splitOnPunctuation(token: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of token) {
    if (isBertPunctuation(ch)) {
      if (current !== '') out.push(current);
      out.push(ch);
      current = '';
    } else current += ch;
  }
  if (current !== '') out.push(current);
  return out;
}

/** Splits on runs of whitespace and drops empty pieces (Python's `str.split()`). */
export function whitespaceSplit(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((t) => t !== '');
}

/**
 * BERT basic tokenisation of one text (no WordPiece): `"Héllo, World!"` → `["hello", ",", "world", "!"]`
 * for an uncased model.
 */
export function basicTokenize(text: string, options: BasicTokenizerOptions = {}): string[] {
  const lowercase = options.lowercase ?? true;
  const strip = options.stripAccents ?? lowercase;
  const tokens: string[] = [];
  for (let token of whitespaceSplit(cleanText(text, options.tokenizeChineseChars ?? true))) {
    if (lowercase) token = lowerCase(token);
    if (strip) token = stripAccents(token);
    // Stripping can leave nothing (a lone combining mark); splitting skips empty pieces.
    for (const piece of splitOnPunctuation(token)) tokens.push(piece);
  }
  return tokens;
}
