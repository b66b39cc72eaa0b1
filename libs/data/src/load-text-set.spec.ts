import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { loadTextSet, MAX_LISTED_PROBLEMS, parseTextFile, splitOfFileName, textLabelNames } from './index.js';
import { tempFiles } from './synthetic.test-util.js';

const jsonl = (...rows: unknown[]): string => rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n';

async function loadError(files: Record<string, string>, order = Object.keys(files)): Promise<InvalidArgumentError> {
  const dir = await tempFiles(files);
  const err: unknown = await loadTextSet(order.map((name) => join(dir, name))).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  return err as InvalidArgumentError;
}

describe('loadTextSet', () => {
  it('reads JSONL rows across files, mapping split spellings and defaulting to train', async () => {
    const dir = await tempFiles({
      'train.jsonl': jsonl({ text: 'hello there', label: 'greet' }, { text: 'bye', label: 'leave', split: 'train' }),
      'val.jsonl': jsonl({ text: 'hi', label: 'greet', split: 'val' }),
      'test.jsonl': jsonl({ text: 'see you', label: 'leave', split: 'test', extra: 1 }),
    });
    const set = await loadTextSet(['train.jsonl', 'val.jsonl', 'test.jsonl'].map((f) => join(dir, f)));
    expect(set).toEqual({
      texts: ['hello there', 'bye', 'hi', 'see you'],
      labels: ['greet', 'leave', 'greet', 'leave'],
      splits: ['train', 'train', 'validation', 'test'],
    });
    expect(textLabelNames(set)).toEqual(['greet', 'leave']);
  });

  it('uses a source default split for rows that name none', async () => {
    const dir = await tempFiles({ 'a.jsonl': jsonl({ text: 'x', label: 'l' }), 'b.jsonl': jsonl({ text: 'y', label: 'l' }) });
    const set = await loadTextSet([join(dir, 'a.jsonl'), { path: join(dir, 'b.jsonl'), split: 'test' }]);
    expect(set.splits).toEqual(['train', 'test']);
  });

  it("takes a row's split from its file's name when the row names none (the usual train.csv / test.csv layout)", async () => {
    const dir = await tempFiles({
      'train.csv': 'text,label\nhello,greet\nbye,leave\n',
      'snips_dev.csv': 'text,label\nhi,greet\n',
      'test.csv': 'text,label\nsee you,leave\nhey,greet\n',
      'extra.csv': 'text,label,split\nlater,leave,test\n',
    });
    const set = await loadTextSet(['train.csv', 'snips_dev.csv', 'test.csv', 'extra.csv'].map((f) => join(dir, f)));
    expect(set.splits).toEqual(['train', 'train', 'validation', 'test', 'test', 'test']);
    expect([
      splitOfFileName('a/train-part1.jsonl'),
      splitOfFileName('valid.csv'),
      splitOfFileName('data.csv'),
      splitOfFileName('train_test.csv'),
    ]).toEqual(['train', 'validation', undefined, undefined]);
  });

  it('names file and line for a missing field, empty text, bad JSON and an unknown split', async () => {
    const err = await loadError({
      'data.jsonl': jsonl(
        { text: 'fine', label: 'a' },
        { label: 'a' },
        '',
        { text: '   ', label: 'a' },
        '{oops',
        { text: 't', label: 'a', split: 'holdout' },
        { text: 't' },
      ),
    });
    const [file] = err.problems[0]!.split(':');
    expect(file!.endsWith('data.jsonl')).toBe(true);
    expect(err.problems.map((p) => p.slice(p.indexOf('data.jsonl:') + 'data.jsonl:'.length))).toEqual([
      '2: missing field "text"',
      '4: empty text',
      expect.stringMatching(/^5: not valid JSON/),
      '6: field "split" is "holdout"; expected train, val(idation) or test',
      '7: missing field "label"',
    ]);
  });

  it('rejects a test label never seen in training, at its own file and line', async () => {
    const err = await loadError({
      'train.jsonl': jsonl({ text: 'a', label: 'x', split: 'train' }),
      'test.jsonl': jsonl({ text: 'b', label: 'x', split: 'test' }, { text: 'c', label: 'y', split: 'test' }),
    });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/test\.jsonl:2: test label "y" never appears in the training split$/);
  });

  it('checks labels against training rows of every file, whatever the file order', async () => {
    const dir = await tempFiles({
      'test.jsonl': jsonl({ text: 'b', label: 'x', split: 'test' }),
      'train.jsonl': jsonl({ text: 'a', label: 'x' }),
    });
    const set = await loadTextSet([join(dir, 'test.jsonl'), join(dir, 'train.jsonl')]);
    expect(set.splits).toEqual(['test', 'train']);
  });

  it('reads CSV with a header in any column order', async () => {
    const dir = await tempFiles({ 'd.csv': 'label,id,text,split\ngreet,1,"hello, you",train\ngreet,2,"she said ""hi""",test\n' });
    const set = await loadTextSet([join(dir, 'd.csv')]);
    expect(set).toEqual({ texts: ['hello, you', 'she said "hi"'], labels: ['greet', 'greet'], splits: ['train', 'test'] });
  });

  it('reports CSV problems with the line a record starts on', async () => {
    const err = await loadError({ 'd.csv': 'text,label\n"multi\nline",a\n,a\nonly-one-field\nok,\n' });
    expect(err.problems.map((p) => p.replace(/^.*d\.csv:/, ''))).toEqual([
      '4: empty text',
      '5: 1 fields, but the header has 2',
      '6: empty label',
    ]);
  });

  it('reports a CSV header without the needed columns', async () => {
    const err = await loadError({ 'd.csv': 'sentence,label\nhi,a\n' });
    expect(err.problems[0]).toMatch(/d\.csv:1: header has no "text" column/);
  });

  it('lists at most MAX_LISTED_PROBLEMS problems and counts the rest', async () => {
    const rows = Array.from({ length: MAX_LISTED_PROBLEMS + 5 }, () => ({ text: '', label: 'a' }));
    const err = await loadError({ 'd.jsonl': jsonl(...rows) });
    expect(err.problems).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(err.problems.at(-1)).toBe('… and 5 more problems');
  });

  it('needs a format it can tell', async () => {
    const dir = await tempFiles({ 'd.txt': 'text,label\nhi,a\n' });
    await expect(loadTextSet([join(dir, 'd.txt')])).rejects.toThrow(/pass format/);
    await expect(loadTextSet([{ path: join(dir, 'd.txt'), format: 'csv' }])).resolves.toMatchObject({ texts: ['hi'] });
  });
});

describe('parseTextFile', () => {
  it('returns problems instead of throwing', () => {
    const parsed = parseTextFile('{"text":"a","label":3}\n{"text":1,"label":"b"}\n', { path: 'mem.jsonl' });
    expect(parsed.rows).toEqual([{ text: 'a', label: '3', split: 'train', file: 'mem.jsonl', line: 1 }]);
    expect(parsed.problems).toEqual([{ file: 'mem.jsonl', line: 2, message: 'field "text" must be a string, got number' }]);
  });
});
