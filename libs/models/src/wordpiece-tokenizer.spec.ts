import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { basicTokenize, cleanText, isBertPunctuation, stripAccents } from './basic-tokenizer.js';
import { padBatch, parseVocabText, WordPieceTokenizer } from './wordpiece-tokenizer.js';

// A tiny vocabulary in vocab.txt layout: the id is the line number.
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'un',
  '##want',
  '##ed',
  'want',
  'runn',
  '##ing',
  ',',
  '.',
  '!',
  '?',
  'cafe',
  'naive',
  'hello',
  'world',
  '我',
  '爱',
  '$',
  '5',
  'a',
  '##a',
  'Hello',
];
const VOCAB_TEXT = `${VOCAB.join('\n')}\n`;
const id = (t: string) => VOCAB.indexOf(t);

describe('basic tokenisation', () => {
  it('cleans control characters and normalises whitespace', () => {
    expect(cleanText('a\u0000b\ufffdc\u0007d\te\nf\u00a0g\u200bh')).toBe('abcd e f gh');
    expect(basicTokenize('  hello \t\n world  ')).toEqual(['hello', 'world']);
  });

  it('lower-cases and strips accents only when asked', () => {
    expect(basicTokenize('Café NAÏVE résumé')).toEqual(['cafe', 'naive', 'resume']);
    expect(basicTokenize('Café', { lowercase: false })).toEqual(['Café']);
    expect(basicTokenize('Café', { lowercase: false, stripAccents: true })).toEqual(['Cafe']);
    expect(basicTokenize('Café', { lowercase: true, stripAccents: false })).toEqual(['café']);
    expect(stripAccents('Ångström')).toBe('Angstrom');
    // Code point by code point, like the HF normalizer: no Greek final-sigma rule.
    expect(basicTokenize('ΟΔΟΣ', { stripAccents: false })).toEqual(['οδοσ']);
    expect(basicTokenize('İ')).toEqual(['i']);
  });

  it('spaces out CJK ideographs but not kana or hangul', () => {
    expect(basicTokenize('我爱NLP')).toEqual(['我', '爱', 'nlp']);
    expect(basicTokenize('我爱', { tokenizeChineseChars: false })).toEqual(['我爱']);
    expect(basicTokenize('タワー한국', { stripAccents: false })).toEqual(['タワー한국']);
    // Accent stripping leaves NFD: Hangul syllables become jamo, as in BERT.
    expect(basicTokenize('한국')).toEqual(['한국'.normalize('NFD')]);
    // An astral ideograph (CJK extension B) stays one character.
    expect(basicTokenize('a𠀀b')).toEqual(['a', '𠀀', 'b']);
  });

  it('splits on ASCII symbols and Unicode punctuation, not on other symbols', () => {
    expect(basicTokenize("don't stop-now! $5 a^b `x` ¿qué?")).toEqual([
      'don',
      "'",
      't',
      'stop',
      '-',
      'now',
      '!',
      '$',
      '5',
      'a',
      '^',
      'b',
      '`',
      'x',
      '`',
      '¿',
      'que',
      '?',
    ]);
    expect(isBertPunctuation('$')).toBe(true);
    expect(isBertPunctuation('«')).toBe(true);
    expect(isBertPunctuation('€')).toBe(false);
    expect(basicTokenize('a€b 🍕x')).toEqual(['a€b', '🍕x']);
  });
});

describe('WordPieceTokenizer', () => {
  const tok = WordPieceTokenizer.fromVocabText(VOCAB_TEXT);

  it('parses vocab.txt with ids by line', () => {
    expect(parseVocabText('a\nb\n')).toEqual(['a', 'b']);
    expect(tok.vocabSize).toBe(VOCAB.length);
    expect(tok.tokenToId('##want')).toBe(7);
    expect(tok.idToToken(7)).toBe('##want');
    expect(tok.specialIds).toEqual({ cls: 2, sep: 3, pad: 0, unk: 1, mask: 4 });
  });

  it('matches greedy longest-first with ## continuations (the BERT docstring example)', () => {
    expect(tok.tokenize('unwanted running')).toEqual(['un', '##want', '##ed', 'runn', '##ing']);
    expect(tok.tokenize('aaa')).toEqual(['a', '##a', '##a']);
  });

  it('makes the whole word [UNK] when any part has no piece, or when it is too long', () => {
    expect(tok.tokenize('unwantedx want')).toEqual(['[UNK]', 'want']);
    expect(tok.tokenize('🍕 hello')).toEqual(['[UNK]', 'hello']);
    expect(tok.tokenize('a'.repeat(100))).toEqual(['a', ...Array<string>(99).fill('##a')]);
    expect(tok.tokenize('a'.repeat(101))).toEqual(['[UNK]']);
    // Length counts code points, not UTF-16 units.
    const small = new WordPieceTokenizer(VOCAB, { maxInputCharsPerWord: 2 });
    expect(small.tokenize('我')).toEqual(['我']);
  });

  it('tokenises accents, CJK and punctuation end to end', () => {
    expect(tok.tokenize('Café, NAÏVE!')).toEqual(['cafe', ',', 'naive', '!']);
    expect(tok.tokenize('我爱 world?')).toEqual(['我', '爱', 'world', '?']);
    expect(tok.tokenize('$5.')).toEqual(['$', '5', '.']);
  });

  it('keeps special-token strings in the raw text whole', () => {
    expect(tok.tokenize('hello [MASK] world[SEP]')).toEqual(['hello', '[MASK]', 'world', '[SEP]']);
    // Matching is on the raw text and case-sensitive, like the Hugging Face added-token matcher.
    expect(tok.tokenize('[mask]')).toEqual(['[UNK]', '[UNK]', '[UNK]']);
    const plain = new WordPieceTokenizer(VOCAB, { splitSpecialTokens: false });
    expect(plain.tokenize('[MASK]')).toEqual(['[UNK]', '[UNK]', '[UNK]']);
  });

  it('respects casing for cased vocabularies', () => {
    const cased = new WordPieceTokenizer(VOCAB, { lowercase: false });
    expect(cased.settings.stripAccents).toBe(false);
    expect(cased.tokenize('Hello hello')).toEqual(['Hello', 'hello']);
  });

  it('adds [CLS]/[SEP] and truncates to maxLength', () => {
    expect(tok.encodeIds('')).toEqual([2, 3]);
    expect(tok.encodeIds('hello world')).toEqual([2, id('hello'), id('world'), 3]);
    expect(tok.encodeIds('hello world the want', 4)).toEqual([2, id('hello'), id('world'), 3]);
    expect(tok.encodeIds('hello world', 2)).toEqual([2, 3]);
    const capped = new WordPieceTokenizer(VOCAB, { maxLength: 3 });
    expect(capped.encodeIds('hello world')).toEqual([2, id('hello'), 3]);
  });

  it('pads to the longest row with attention masks', () => {
    const e = tok.encode(['hello world', '', 'the'], {});
    expect(e.shape).toEqual([3, 4]);
    expect(e.lengths).toEqual([4, 2, 3]);
    expect([...e.inputIds].map(Number)).toEqual([2, id('hello'), id('world'), 3, 2, 3, 0, 0, 2, id('the'), 3, 0]);
    expect([...e.attentionMask].map(Number)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]);
    expect([...e.tokenTypeIds].every((t) => t === 0n)).toBe(true);
  });

  it('pads to a fixed length and truncates rows beyond it', () => {
    const e = tok.encode(['hello world the', 'the'], { maxLength: 4, padding: 'max-length' });
    expect(e.shape).toEqual([2, 4]);
    expect([...e.inputIds].map(Number)).toEqual([2, id('hello'), id('world'), 3, 2, id('the'), 3, 0]);
    expect([...e.attentionMask].map(Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect(tok.encode([]).shape).toEqual([0, 0]);
    expect([...padBatch([[7, 8], [9]], 0, 3).inputIds].map(Number)).toEqual([7, 8, 0, 9, 0, 0]);
    expect(() => padBatch([[1, 2, 3]], 0, 2)).toThrow(/a row has 3 ids, more than the padded length 2/);
  });

  it('rejects missing special tokens and bad lengths with clear errors', () => {
    expect(() => new WordPieceTokenizer(['a', 'b'])).toThrow(InvalidArgumentError);
    expect(() => new WordPieceTokenizer(['a', 'b'])).toThrow(/CLS token '\[CLS\]' is not in the vocabulary/);
    expect(() => new WordPieceTokenizer(VOCAB, { maxLength: 1 })).toThrow(/maxLength must be an integer ≥ 2/);
    expect(() => tok.encode(['x'], { maxLength: 0 })).toThrow(InvalidArgumentError);
    expect(() => tok.encode(['x'], { padding: 'none' as 'longest' })).toThrow(/padding must be/);
  });
});
