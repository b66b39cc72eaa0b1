import { describe, expect, it } from 'vitest';
import { parseCsv } from './index.js';

describe('parseCsv', () => {
  it('splits plain records and keeps each record line', () => {
    expect(parseCsv('a,b\nc,d\n')).toEqual({
      records: [
        { fields: ['a', 'b'], line: 1 },
        { fields: ['c', 'd'], line: 2 },
      ],
    });
  });

  it('reads quoted commas, doubled quotes, CRLF, a BOM, empty fields and no final newline', () => {
    const parsed = parseCsv('\uFEFF"x, y","say ""hi"""\r\n,""\r\nlast,one');
    expect(parsed).toEqual({
      records: [
        { fields: ['x, y', 'say "hi"'], line: 1 },
        { fields: ['', ''], line: 2 },
        { fields: ['last', 'one'], line: 3 },
      ],
    });
  });

  it('counts lines inside quoted fields and skips blank lines', () => {
    const parsed = parseCsv('text,label\n"two\nlines",a\n\nnext,b\n');
    expect(parsed).toEqual({
      records: [
        { fields: ['text', 'label'], line: 1 },
        { fields: ['two\nlines', 'a'], line: 2 },
        { fields: ['next', 'b'], line: 5 },
      ],
    });
  });

  it('reports an unterminated quote at the line it opens', () => {
    expect(parseCsv('a,b\n"open,b\nmore\n')).toEqual({ error: 'unterminated quoted field', line: 2 });
  });

  it('reports stray quotes', () => {
    expect(parseCsv('a,b\nab"c,d\n')).toMatchObject({ line: 2 });
    expect(parseCsv('"ab"c,d\n')).toMatchObject({ line: 1 });
  });
});
