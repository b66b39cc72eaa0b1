import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jsonLogger, processLogger } from './logger.js';

describe('loggers', () => {
  it('writes one JSON object a line with level, ISO time, component, message and the fields, dropping lower levels', () => {
    const lines: string[] = [];
    const log = jsonLogger('trainer', 'info', (l) => void lines.push(l));
    log.debug('not written');
    log.info('version saved', { model: 'm', version: 3 });
    log.error('failed', { reason: 'disk full' });
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', component: 'trainer', message: 'version saved', model: 'm', version: 3 });
    expect(new Date(first['time'] as string).toISOString()).toBe(first['time']);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'error', message: 'failed', reason: 'disk full' });
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('on a terminal writes readable lines: time, level, component and message, then the fields', () => {
    let text = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString()), done()) });
    const log = processLogger('trainer', 'info', true, sink);
    log.debug('not written');
    log.warn('replica lagging', { model: 'm' });
    // Colour codes aside, one readable line and an indented field; no JSON.
    const plain = stripVTControlCharacters(text);
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: trainer: replica lagging\n {4}model: "m"\n$/);
    expect(plain).not.toContain('not written');
  });
});
