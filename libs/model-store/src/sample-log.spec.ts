import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SampleLog, type LoggedSample } from './sample-log.js';

const sample = (id: string, label = 0): LoggedSample => ({
  kind: 'sample',
  id,
  experience: 0,
  label,
  features: Float32Array.of(label, 0.5, -1),
});

describe('SampleLog', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'mneme-log-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('appends samples and closes, reads them back in order, and drops repeated ids', async () => {
    const log = await SampleLog.open(join(dir, 'samples.log'));
    expect(await log.append([sample('a'), sample('b', 1), sample('a')])).toEqual({ appended: 2, duplicates: ['a'] });
    expect(await log.append([sample('b'), { kind: 'close', experience: 0, sampleCount: 2 }])).toEqual({ appended: 1, duplicates: ['b'] });
    const entries = await log.read(0);
    expect(entries.map((e) => (e.kind === 'sample' ? e.id : e.kind === 'close' ? `close ${e.sampleCount}` : 'forget'))).toEqual([
      'a',
      'b',
      'close 2',
    ]);
    expect(entries.map((e) => e.position)).toEqual([0, 1, 2]);
    expect(Array.from((entries[1] as LoggedSample).features)).toEqual([1, 0.5, -1]);
    expect((await log.read(1, 2)).map((e) => e.position)).toEqual([1]);
    await log.close();
  });

  it("keeps a sample's token ids beside its features, across a reopen", async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    await log.append([{ ...sample('t'), tokens: [101, 2054, 102] }, sample('f')]);
    await log.close();
    const again = await SampleLog.open(path);
    const [withTokens, without] = (await again.read(0)) as LoggedSample[];
    expect(withTokens!.tokens).toEqual([101, 2054, 102]);
    expect(Array.from(withTokens!.features)).toEqual([0, 0.5, -1]);
    expect(without!.tokens).toBeUndefined();
    await again.close();
  });

  it('tombstones forgotten samples durably: still known (a re-send is a duplicate), reported as forgotten after a reopen', async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    await log.append([sample('a'), sample('b'), sample('c')]);
    await log.append([{ kind: 'forget', ids: ['b'] }]);
    expect(log.isForgotten('b')).toBe(true);
    expect(log.isForgotten('a')).toBe(false);
    expect(log.positionOf('c')).toBe(2);
    await log.close();
    const again = await SampleLog.open(path);
    expect(again.isForgotten('b')).toBe(true);
    expect(again.positionOf('b')).toBe(1);
    expect(await again.append([sample('b')])).toEqual({ appended: 0, duplicates: ['b'] });
    expect((await again.read(3)).map((e) => e.kind)).toEqual(['forget']);
    await again.close();
  });

  it('keeps concurrent appends whole and in order of their calls', async () => {
    const log = await SampleLog.open(join(dir, 'samples.log'));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append([sample(`s${i}`, i % 2), { kind: 'close', experience: i, sampleCount: 1 }])),
    );
    const entries = await log.read(0);
    expect(entries.filter((e) => e.kind === 'sample').map((e) => (e as LoggedSample).id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `s${i}`),
    );
    expect(Array.from((entries[38] as LoggedSample).features)).toEqual([1, 0.5, -1]);
    await log.close();
  });

  it('keeps everything across a reopen, ids included', async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    await log.append([sample('a'), sample('b')]);
    await log.close();
    const again = await SampleLog.open(path);
    expect(again.length).toBe(2);
    expect(again.has('b')).toBe(true);
    expect((await again.append([sample('b'), sample('c')])).duplicates).toEqual(['b']);
    await again.close();
  });

  it('cuts a torn tail left by a crash mid-append and goes on from the last whole record', async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    await log.append([sample('a')]);
    await log.close();
    const whole = (await stat(path)).size;
    await appendFile(path, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const again = await SampleLog.open(path);
    expect(again.length).toBe(1);
    expect((await stat(path)).size).toBe(whole);
    await again.append([sample('b')]);
    expect((await again.read(0)).map((e) => (e.kind === 'sample' ? e.id : ''))).toEqual(['a', 'b']);
    await again.close();
  });

  it('refuses to open a log damaged before its end, naming the file, the record and the byte, and changes nothing', async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    for (let i = 0; i < 5; i++) await log.append([sample(`s${i}`)]);
    await log.close();
    const size = (await stat(path)).size;
    const bytes = await readFile(path);
    const record = size / 5;
    // One flipped byte inside the third record's features.
    bytes[2 * record + record - 2]! ^= 0xff;
    await writeFile(path, bytes);
    await expect(SampleLog.open(path)).rejects.toMatchObject({
      kind: 'failed-precondition',
      message: expect.stringContaining(`sample log ${path} is damaged: record 2 at byte ${2 * record} fails its checksum`),
    });
    expect((await stat(path)).size).toBe(size);
    // A damaged last record is a torn append: cut, as before.
    bytes[2 * record + record - 2]! ^= 0xff;
    bytes[size - 2]! ^= 0xff;
    await writeFile(path, bytes);
    const cut = await SampleLog.open(path);
    expect(cut.length).toBe(4);
    await cut.close();
  });

  it('marks whole events on their last record, also after a reopen', async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    await log.append([sample('a'), sample('b')], 'event-1');
    await log.append([sample('a')], 'event-2'); // nothing new: nothing to mark it on
    await log.append([{ kind: 'close', experience: 0, sampleCount: 2 }], 'event-3');
    expect([log.hasEvent('event-1'), log.hasEvent('event-2'), log.hasEvent('event-3')]).toEqual([true, false, true]);
    expect((await log.read(0)).map((e) => e.event)).toEqual([undefined, 'event-1', 'event-3']);
    await log.close();
    const again = await SampleLog.open(path);
    expect([again.hasEvent('event-1'), again.hasEvent('event-3')]).toEqual([true, true]);
    await again.close();
  });

  it('opens read-only up to a record count: never cuts a tail another writer may still be writing, and says when records are missing', async () => {
    const path = join(dir, 'samples.log');
    const log = await SampleLog.open(path);
    await log.append([sample('a'), sample('b'), sample('c')]);
    await log.close();
    await appendFile(path, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const size = (await stat(path)).size;
    const reader = await SampleLog.open(path, { readOnly: true, limit: 2 });
    expect(reader.length).toBe(2);
    expect([reader.has('b'), reader.has('c')]).toEqual([true, false]);
    await expect(reader.append([sample('d')])).rejects.toThrow(/read-only/);
    await reader.close();
    expect((await stat(path)).size).toBe(size);
    expect(await SampleLog.count(path)).toBe(3);
    expect(await SampleLog.count(join(dir, 'none.log'))).toBe(0);
    await expect(SampleLog.open(path, { readOnly: true, limit: 4 })).rejects.toThrow(/holds 3 whole records, 4 were recorded/);
  });
});
