import { runExperiment, type ExperiencePlan } from '@mneme/methods';
import { describe, expect, it } from 'vitest';
import { RecordingStrategy } from './recording-strategy.test-util.js';
import type { StreamRecord } from './stream-records.js';
import { StreamTrainingLoop } from './stream-training-loop.js';

// Two experiences of raw labels; the embedded run indexes them in order of arrival (5 → 0, 7 → 1,
// 9 → 2), the trainer's label table does the same before samples reach the stream loop.
const experiences = [
  { labels: [5, 5, 7], classes: [0, 0, 1] },
  { labels: [9, 7, 9, 9], classes: [2, 1, 2, 2] },
];

describe('the embedded run and the stream loop', () => {
  it('drive a strategy through the same calls (both take learnStep and endStep)', async () => {
    // The log: each experience's samples, then its close; a sample's id is its log position.
    const records: StreamRecord[] = [];
    const plan: ExperiencePlan[] = experiences.map((e, index) => {
      const ids = e.classes.map((label) => {
        records.push({ kind: 'sample', position: records.length, experience: index, label, features: Float32Array.of(label) });
        return records.length - 1;
      });
      records.push({ kind: 'close', position: records.length, experience: index, sampleCount: e.classes.length });
      // Batches of 2 in log order, as the stream loop forms them (the tail is a partial batch).
      const batches = [0, 2]
        .filter((at) => at < ids.length)
        .map((at) => ({
          features: Float32Array.from(e.classes.slice(at, at + 2)),
          labels: Int32Array.from(e.labels.slice(at, at + 2)),
          ids: Int32Array.from(ids.slice(at, at + 2)),
        }));
      return {
        index,
        classes: [...new Set(e.labels)],
        batches: () => batches,
        test: { features: Float32Array.of(0), labels: Int32Array.of(e.labels[0]!) },
      };
    });

    const embedded = new RecordingStrategy();
    await runExperiment(embedded, plan);
    const streamed = new RecordingStrategy();
    const loop = new StreamTrainingLoop(streamed, { batchSize: 2 });
    for (const r of records) await loop.apply(r);

    expect(streamed.calls).toEqual(embedded.calls);
    expect(embedded.calls).toEqual([
      'grow 1',
      'begin 0 [0]',
      'learn e0 ids 0,1',
      'grow 2',
      'learn e0 ids 2',
      'end 0',
      'grow 3',
      'begin 1 [1,2]',
      'learn e1 ids 4,5',
      'learn e1 ids 6,7',
      'end 1',
    ]);
  });
});
