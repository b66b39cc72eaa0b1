import { describe, expect, it } from 'vitest';
import { LoggedTokens } from './logged-tokens.js';

describe('LoggedTokens', () => {
  it('returns the tokens of remembered positions in the order asked', () => {
    const book = new LoggedTokens(4);
    book.remember(0, [101, 7, 102]);
    book.remember(1, [101, 8, 9, 102]);
    expect(book.tokensOf(Int32Array.of(1, 0))).toEqual([
      [101, 8, 9, 102],
      [101, 7, 102],
    ]);
  });

  it('keeps only the most recent positions and names the ones it does not hold', () => {
    const book = new LoggedTokens(2);
    for (let p = 0; p < 4; p++) book.remember(p, [101, p, 102]);
    book.remember(9, undefined);
    expect(book.tokensOf(Int32Array.of(2, 3))).toEqual([
      [101, 2, 102],
      [101, 3, 102],
    ]);
    expect(() => book.tokensOf(Int32Array.of(3, 0, 9))).toThrow(
      'no token ids for log positions 0, 9: the sample was not read from the log, was read too long ago, or was logged without tokens',
    );
    expect(() => new LoggedTokens(0)).toThrow('capacity must be a positive integer');
  });
});
