import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SampleLog, type LoggedSample } from './sample-log.js';
import { SegmentedLog, segmentPath } from './segmented-log.js';

const sample = (id: string, label = 0): LoggedSample => ({ kind: 'sample', id, experience: 0, label, features: Float32Array.of(label, 1) });
const ids = (entries: { kind: string; position: number }[]) =>
  entries.map((e) => `${e.position}:${e.kind === 'sample' ? (e as unknown as LoggedSample).id : 'close'}`);

describe('SegmentedLog', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'mneme-seglog-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('reads earlier epochs up to their sealed counts and appends to its own; a fenced writer past the seal is never read', async () => {
    const first = await SegmentedLog.open(dir, [], 1);
    await first.append([sample('a'), sample('b')], 'e1');
    // Epoch 2 takes over with epoch 1 sealed at 2 records; epoch 1 (a paused process) writes on.
    const second = await SegmentedLog.open(dir, [{ epoch: 1, records: 2 }], 2);
    await first.append([sample('zombie')], 'e-late');
    await first.close();
    expect(second.length).toBe(2);
    expect(second.hasEvent('e1')).toBe(true);
    expect(second.hasEvent('e-late')).toBe(false);
    // Repeats of ids logged in earlier segments are duplicates; the late sample is new here.
    expect(await second.append([sample('b'), sample('zombie'), sample('c')], 'e2')).toEqual({ appended: 2, duplicates: ['b'] });
    expect(second.ownLength).toBe(2);
    expect(ids(await second.read(0))).toEqual(['0:a', '1:b', '2:zombie', '3:c']);
    expect(ids(await second.read(1, 3))).toEqual(['1:b', '2:zombie']);
    await second.close();
    // Epoch 4 (epoch 3 claimed and died before writing) continues the whole chain.
    const fourth = await SegmentedLog.open(
      dir,
      [
        { epoch: 1, records: 2 },
        { epoch: 2, records: 2 },
        { epoch: 3, records: 0 },
      ],
      4,
    );
    await fourth.append([{ kind: 'close', experience: 0, sampleCount: 4 }], 'e4');
    expect(ids(await fourth.read(0))).toEqual(['0:a', '1:b', '2:zombie', '3:c', '4:close']);
    expect(await SampleLog.count(segmentPath(dir, 1))).toBe(3);
    await fourth.close();
  });

  it('places ids and forget tombstones across segments, and names the id at a position', async () => {
    const first = await SegmentedLog.open(dir, [], 1);
    await first.append([sample('a'), sample('b')]);
    await first.close();
    const second = await SegmentedLog.open(dir, [{ epoch: 1, records: 2 }], 2);
    await second.append([sample('c'), { kind: 'forget', ids: ['a'] }]);
    expect([second.positionOf('a'), second.positionOf('c'), second.positionOf('z')]).toEqual([0, 2, undefined]);
    expect([second.isForgotten('a'), second.isForgotten('b')]).toEqual([true, false]);
    // And back: the id at each position (none for the forget record or past the end).
    expect([0, 1, 2, 3, 4].map((p) => second.idAt(p))).toEqual(['a', 'b', 'c', undefined, undefined]);
    await second.close();
    // A reopen rebuilds the positions from the files.
    const third = await SegmentedLog.open(
      dir,
      [
        { epoch: 1, records: 2 },
        { epoch: 2, records: 2 },
      ],
      3,
    );
    expect([0, 1, 2, 3].map((p) => third.idAt(p))).toEqual(['a', 'b', 'c', undefined]);
    await third.close();
  });

  it('refuses a chain that does not rise, or a sealed segment that lost records', async () => {
    await expect(
      SegmentedLog.open(
        dir,
        [
          { epoch: 2, records: 0 },
          { epoch: 1, records: 0 },
        ],
        3,
      ),
    ).rejects.toThrow(/must rise/);
    await expect(SegmentedLog.open(dir, [{ epoch: 3, records: 0 }], 3)).rejects.toThrow(/below 3/);
    const one = await SegmentedLog.open(dir, [], 1);
    await one.append([sample('a')]);
    await one.close();
    await expect(SegmentedLog.open(dir, [{ epoch: 1, records: 2 }], 2)).rejects.toThrow(/holds 1 whole records, 2 were recorded/);
  });
});
