import { describe, expect, it } from 'vitest';
import { IngestIds } from './ingest-ids.js';

describe('IngestIds', () => {
  it('knows ids while their publish is in flight and after it is acknowledged, per model', async () => {
    const ids = new IngestIds();
    let ack!: () => void;
    const publishing = ids.track('m', ['a', 'b'], () => new Promise<void>((r) => (ack = r)));
    expect(ids.has('m', 'a')).toBe(true);
    expect(ids.has('other', 'a')).toBe(false);
    ack();
    await publishing;
    expect(ids.has('m', 'b')).toBe(true);
  });

  it('frees the ids of a failed publish, so the retry is taken in', async () => {
    const ids = new IngestIds();
    await expect(ids.track('m', ['a'], () => Promise.reject(new Error('broker down')))).rejects.toThrow(/broker down/);
    expect(ids.has('m', 'a')).toBe(false);
  });

  it('remembers a bounded number of acknowledged ids, forgetting the oldest; forgets a deleted model', async () => {
    const ids = new IngestIds(3);
    await ids.track('m', ['a', 'b', 'c'], async () => undefined);
    await ids.track('m', ['d'], async () => undefined);
    expect(['a', 'b', 'c', 'd'].map((id) => ids.has('m', id))).toEqual([false, true, true, true]);
    ids.forgetModel('m');
    expect(ids.has('m', 'd')).toBe(false);
  });
});
