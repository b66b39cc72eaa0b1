import type { LabelledBatch } from '@mneme/methods';
import { describe, expect, it } from 'vitest';
import { RecordingStrategy } from './recording-strategy.test-util.js';
import type { StreamRecord } from './stream-records.js';
import { StreamTrainingLoop, type LoopState } from './stream-training-loop.js';

const sample = (position: number, experience: number, label = experience): StreamRecord => ({
  kind: 'sample',
  position,
  experience,
  label,
  features: Float32Array.of(position),
});
const close = (position: number, experience: number, sampleCount: number): StreamRecord => ({
  kind: 'close',
  position,
  experience,
  sampleCount,
});

async function run(records: StreamRecord[], batchSize = 2) {
  const strategy = new RecordingStrategy();
  const ended: { experience: number; state: LoopState }[] = [];
  const loop = new StreamTrainingLoop(strategy, { batchSize, onExperienceEnd: async (e) => void ended.push(e) });
  for (const r of records) await loop.apply(r);
  return { strategy, loop, ended };
}

describe('StreamTrainingLoop', () => {
  it('learns full batches, ends an experience at its announced count with its tail, and begins the next lazily', async () => {
    const { strategy, loop, ended } = await run([sample(0, 0), sample(1, 0), sample(2, 0), close(3, 0, 3), sample(4, 1), sample(5, 1)]);
    // The strategy grows before the first batch holding a new class (labels are learned as they arrive).
    expect(strategy.calls).toEqual([
      'grow 1',
      'begin 0 [0]',
      'learn e0 ids 0,1',
      'learn e0 ids 2',
      'end 0',
      'grow 2',
      'begin 1 [1]',
      'learn e1 ids 4,5',
    ]);
    expect(ended.map((e) => e.experience)).toEqual([0]);
    expect(loop.state).toMatchObject({ position: 6, current: 1, open: true, samplesTrained: 5, steps: 3, closedThrough: 0 });
  });

  it('waits for samples announced by a close that arrived early (closes and samples travel on different topics)', async () => {
    const { strategy } = await run([sample(0, 0), close(1, 0, 3), sample(2, 0), sample(3, 0)]);
    expect(strategy.calls).toEqual(['grow 1', 'begin 0 [0]', 'learn e0 ids 0,2', 'learn e0 ids 3', 'end 0']);
  });

  it('ends an experience when a sample of a later one arrives, and ignores repeated or stale closes', async () => {
    const { strategy, loop } = await run([sample(0, 0), sample(1, 1), close(2, 0, 1), sample(3, 1), close(4, 1, 2)]);
    expect(strategy.calls).toEqual([
      'grow 1',
      'begin 0 [0]',
      'learn e0 ids 0',
      'end 0',
      'grow 2',
      'begin 1 [1]',
      'learn e1 ids 1,3',
      'end 1',
    ]);
    expect(loop.state.closedThrough).toBe(1);
  });

  it('never trains a forgotten sample: a tombstoned one is skipped, a buffered one dropped, and both count toward the close', async () => {
    const forget = (position: number, positions: number[]): StreamRecord => ({ kind: 'forget', position, positions });
    const forgotten = (position: number, experience: number): StreamRecord => ({
      ...(sample(position, experience) as Extract<StreamRecord, { kind: 'sample' }>),
      forgotten: true,
    });
    const { strategy, loop } = await run([
      sample(0, 0),
      forgotten(1, 0),
      sample(2, 0),
      sample(3, 0),
      forget(4, [3]),
      close(5, 0, 4),
      sample(6, 1),
    ]);
    expect(strategy.learned).toEqual([0, 2]);
    expect(strategy.forgot).toEqual([[3]]);
    expect(loop.state).toMatchObject({ closedThrough: 0, samplesTrained: 2 });
  });

  it('trains a sample sent after its experience ended with the current one, and counts it', async () => {
    const { strategy, loop } = await run([sample(0, 0), close(1, 0, 1), sample(2, 1), sample(3, 0, 0)]);
    expect(strategy.learned).toEqual([0, 2, 3]);
    expect(loop.state.lateSamples).toBe(1);
  });

  it('resumed from a clean checkpoint and replayed from the start of the log, trains exactly what an uninterrupted run trains', async () => {
    const records = [sample(0, 0), sample(1, 0), sample(2, 0), sample(3, 0), close(4, 0, 4), sample(5, 1), sample(6, 1), sample(7, 1)];
    const whole = await run(records);
    const first = await run(records.slice(0, 2));
    expect(first.loop.isClean()).toBe(true);
    const checkpoint = { loop: first.loop.state, strategy: first.strategy.saveState() };
    const strategy = new RecordingStrategy();
    strategy.restoreState(checkpoint.strategy);
    const resumed = new StreamTrainingLoop(strategy, { batchSize: 2 });
    resumed.restore(checkpoint.loop);
    for (const r of records) await resumed.apply(r); // the whole log again: already-applied records are skipped
    expect(strategy.calls).toEqual(whole.strategy.calls);
    expect(strategy.learned).toEqual([0, 1, 2, 3, 5, 6]);
    expect(resumed.state.samplesTrained).toBe(whole.loop.state.samplesTrained);
  });

  it('checkpoints at an experience end with every record it covers: resuming never trains the tail twice', async () => {
    const records = [sample(0, 0), sample(1, 0), sample(2, 0), close(3, 0, 3), sample(4, 1)];
    const strategy = new RecordingStrategy();
    let saved: { loop: LoopState; strategy: ReturnType<RecordingStrategy['saveState']> } | undefined;
    const loop = new StreamTrainingLoop(strategy, {
      batchSize: 2,
      onExperienceEnd: async (e) => void (saved ??= { loop: e.state, strategy: strategy.saveState() }),
    });
    for (const r of records) await loop.apply(r);
    expect(saved!.loop.position).toBe(4);
    const again = new RecordingStrategy();
    again.restoreState(saved!.strategy);
    const resumed = new StreamTrainingLoop(again, { batchSize: 2 });
    resumed.restore(saved!.loop);
    for (const r of records) await resumed.apply(r);
    expect(again.learned).toEqual([0, 1, 2]); // sample 4 waits in a partial batch; 2 is not learned again
    expect(resumed.state.samplesTrained).toBe(3);
  });

  it('is not clean while a partial batch waits, so no checkpoint can lose it', async () => {
    const { loop } = await run([sample(0, 0), sample(1, 0), sample(2, 0)]);
    expect(loop.isClean()).toBe(false);
    expect(loop.state.position).toBe(2);
  });

  it("hands each step's sample count and what learn resolved to (a step's loss, when the strategy reports one) to onStep", async () => {
    // A strategy reporting its step loss, as strategies will once `learn` resolves `{ loss }`.
    class LossReporting extends RecordingStrategy {
      override async learn(batch: LabelledBatch) {
        await super.learn(batch);
        return { loss: 1 / (1 + batch.ids[0]!) } as unknown as void;
      }
    }
    const steps: [number, unknown][] = [];
    const loop = new StreamTrainingLoop(new LossReporting(), {
      batchSize: 2,
      onStep: (samples, outcome) => void steps.push([samples, outcome]),
    });
    for (const r of [sample(0, 0), sample(1, 0), sample(2, 0), close(3, 0, 3)]) await loop.apply(r);
    expect(steps).toEqual([
      [2, { loss: 1 }],
      [1, { loss: 1 / 3 }],
    ]);
    const silent: unknown[] = [];
    const plain = new StreamTrainingLoop(new RecordingStrategy(), { batchSize: 1, onStep: (_, outcome) => void silent.push(outcome) });
    await plain.apply(sample(0, 0));
    expect(silent).toEqual([undefined]);
  });

  it('rejects a batch size that is not a positive integer', () => {
    expect(() => new StreamTrainingLoop(new RecordingStrategy(), { batchSize: 0 })).toThrow(/batchSize/);
  });
});
