/**
 * The conformance suite every strategy passes (river's `check_estimator` idea): each strategy in
 * STRATEGIES — so also strategies added later — is run on a tiny class-incremental problem with the
 * real ONNX Runtime engine and must be deterministic per seed, round-trip its state bit-exactly,
 * keep its memory within capacity, predict before learning, grow its classes as labels arrive
 * (from none declared), and reject bad input with an InvalidArgumentError without changing its
 * memory or parameters.
 */
import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import type { Executor, ParameterStore } from '@mneme/execution';
import { Rng } from '@mneme/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { growToFit } from './class-index.js';
import { STRATEGIES } from './registry.js';
import type { ExperienceInfo, LabelledBatch, Strategy, StrategyContext, StrategyState } from './strategy.js';

const INPUT = 8;
const CLASSES = 6;
const EXPERIENCES = 3;
const TRAIN_PER_CLASS = 20;
const TEST_PER_CLASS = 5;
const BATCH = 10;
const SEED = 7;

/**
 * Options per strategy for this tiny problem (memories smaller than the 120-sample stream so
 * capacity is exercised); a strategy not listed runs with its defaults.
 */
const SUITE_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  er: { memory: '16', replay: '4' },
  mir: { memory: '16', candidates: '6', topK: '3' },
  // A projection the size of the tiny problem, and fold blocks smaller than the stream.
  ranpac: { projection: '32', fold: '16' },
};

/** A strategy's other code paths, run through the same suite under their own names. */
const VARIANTS: Readonly<Record<string, { readonly strategy: string; readonly options: Readonly<Record<string, string>> }>> = {
  'joint solver=lbfgs': { strategy: 'joint', options: { solver: 'lbfgs', 'max-iter': '50' } },
  'dual-prompt head=ridge': { strategy: 'dual-prompt', options: { head: 'ridge', projection: '32' } },
  'dual-prompt head=class-mean': { strategy: 'dual-prompt', options: { head: 'class-mean' } },
  'coda-prompt head=cosine': { strategy: 'coda-prompt', options: { head: 'cosine' } },
  'l2p head=ridge': { strategy: 'l2p', options: { head: 'ridge', projection: '32' } },
  'l2p head=class-mean': { strategy: 'l2p', options: { head: 'class-mean' } },
};

/**
 * The strategies (and variants) that take a gradient step on every incoming batch, so report its
 * loss from `learn`; the others (memories, fitted heads, training at experience end) report none.
 */
const STEPS_PER_BATCH: ReadonlySet<string> = new Set([
  ...['naive', 'er', 'mir', 'task-heads', 'expanding-head', 'adapter', 'l2p', 'dual-prompt', 'coda-prompt', 'distill', 'knn-head'],
  // Fitted heads, but the prompts still train by gradient on every batch.
  ...['dual-prompt head=ridge', 'dual-prompt head=class-mean', 'coda-prompt head=cosine', 'l2p head=ridge', 'l2p head=class-mean'],
]);

/** One step of a run: an experience boundary or an incoming batch. */
type StreamEvent = { kind: 'begin' | 'end'; info: ExperienceInfo } | { kind: 'learn'; batch: LabelledBatch };

interface Problem {
  readonly events: readonly StreamEvent[];
  /** Index into `events` in the middle of experience 1 (a save point with a partly seen experience). */
  readonly middle: number;
  readonly testFeatures: Float32Array;
}

/** 3 experiences × 2 classes of 8-dimensional Gaussian blobs, batches of 10, seeded. */
function tinyProblem(): Problem {
  const rng = Rng.seeded(SEED);
  const centres = Array.from({ length: CLASSES }, () => Array.from({ length: INPUT }, () => rng.normal(0, 2)));
  const draw = (label: number) => centres[label]!.map((c) => c + rng.normal(0, 1));
  const events: StreamEvent[] = [];
  let middle = 0;
  let id = 0;
  for (let e = 0; e < EXPERIENCES; e++) {
    const classes = [2 * e, 2 * e + 1];
    const info: ExperienceInfo = { index: e, classes };
    const labels = rng.shuffle(classes.flatMap((c) => new Array<number>(TRAIN_PER_CLASS).fill(c)));
    events.push({ kind: 'begin', info });
    for (let start = 0; start < labels.length; start += BATCH) {
      const rows = labels.slice(start, start + BATCH);
      events.push({
        kind: 'learn',
        batch: {
          features: Float32Array.from(rows.flatMap(draw)),
          labels: Int32Array.from(rows),
          ids: Int32Array.from(rows, () => id++),
          experience: e,
        },
      });
      if (e === 1 && start === BATCH) middle = events.length;
    }
    events.push({ kind: 'end', info });
  }
  const testLabels = Array.from({ length: CLASSES * TEST_PER_CLASS }, (_, i) => i % CLASSES);
  return { events, middle, testFeatures: Float32Array.from(testLabels.flatMap(draw)) };
}

async function play(strategy: Strategy, events: readonly StreamEvent[], after?: () => void): Promise<void> {
  for (const event of events) {
    // As the loops do: the strategy grows before the first batch (or boundary) holding a new class.
    growToFit(strategy, event.kind === 'learn' ? event.batch.labels : event.info.classes);
    if (event.kind === 'learn') await strategy.learn(event.batch);
    else if (event.kind === 'begin') await strategy.beginExperience(event.info);
    else await strategy.endExperience(event.info);
    after?.();
  }
}

/** Every parameter's float32 bytes (and the update count), for bit-exact comparison. */
function parameterBytes(params: ParameterStore): Record<string, Uint8Array | number> {
  const out: Record<string, Uint8Array | number> = { step: params.step };
  for (const name of params.names()) {
    const data = params.get(name).data;
    out[name] = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    for (const slot of params.stateSlots(name)) {
      const s = params.getState(name, slot).data;
      out[`${name}/${slot}`] = new Uint8Array(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength));
    }
  }
  return out;
}

/** A comparable picture of a state: parameter bytes and the bookkeeping as JSON would carry it. */
function stateFingerprint(state: StrategyState): { params: Record<string, Uint8Array | number>; data: unknown } {
  return { params: parameterBytes(state.params), data: JSON.parse(JSON.stringify(state.data)) };
}

function badBatches(valid: LabelledBatch): { name: string; batch: LabelledBatch; message: RegExp }[] {
  const nan = valid.features.slice();
  nan[3] = Number.NaN;
  const n = valid.labels.length;
  const outside = valid.labels.slice();
  outside[1] = CLASSES;
  return [
    { name: 'NaN features', batch: { ...valid, features: nan }, message: /NaN|finite/i },
    { name: 'wrong feature dimension', batch: { ...valid, features: new Float32Array(n * (INPUT - 1)) }, message: /input size|dimension|width|multiple/i },
    { name: 'a label outside the head', batch: { ...valid, labels: outside }, message: new RegExp(`label ${CLASSES}\\b.*(class|head)`, 'i') },
  ];
}

describe('strategy conformance', () => {
  let executor: Executor;
  let problem: Problem;

  beforeAll(async () => {
    // One thread and no spinning: results must not depend on scheduling, and the cores are shared.
    executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    problem = tinyProblem();
  });

  const build = (name: string, classes = CLASSES): Strategy => {
    const ctx: StrategyContext = {
      executor,
      classifier: { inputSize: INPUT, hidden: [16], classes },
      optimizer: { kind: 'sgd' },
      learningRate: 0.1,
      batchSize: BATCH,
      epochs: 1,
      seed: SEED,
      options: VARIANTS[name]?.options ?? SUITE_OPTIONS[name] ?? {},
    };
    return STRATEGIES[VARIANTS[name]?.strategy ?? name]!(ctx);
  };

  describe.each([...Object.keys(STRATEGIES), ...Object.keys(VARIANTS)])('%s', (name) => {
    it('predicts valid class indices (or −1, no class) before any learning', async () => {
      const predicted = await build(name).predict(problem.testFeatures);
      expect(predicted).toBeInstanceOf(Int32Array);
      expect(predicted.length).toBe(problem.testFeatures.length / INPUT);
      expect([...predicted].every((c) => Number.isInteger(c) && c >= -1 && c < CLASSES)).toBe(true);
      // With no label declared there is no class to name.
      const empty = build(name, 0);
      expect(empty.classCount()).toBe(0);
      expect([...(await empty.predict(problem.testFeatures))].every((c) => c === -1)).toBe(true);
    });

    it('grows its classes as labels arrive, and a saved state restores its classes into a fresh instance', async () => {
      const grown = build(name, 0);
      await play(grown, problem.events.slice(0, problem.middle));
      // Through experience 1 the stream held classes 0–3.
      expect(grown.classCount()).toBe(4);
      const saved = grown.saveState();
      const predicted = await grown.predict(problem.testFeatures);
      expect([...predicted].every((c) => c >= -1 && c < 4)).toBe(true);
      // Growing to a count it has, or fewer, changes nothing.
      grown.growClasses(2);
      grown.growClasses(4);
      expect(stateFingerprint(grown.saveState())).toEqual(stateFingerprint(saved));
      // Restored into an instance created with no class (as the evaluator and encoder build models).
      const restored = build(name, 0);
      restored.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
      expect(restored.classCount()).toBe(4);
      expect(await restored.predict(problem.testFeatures)).toEqual(predicted);
      await play(grown, problem.events.slice(problem.middle));
      await play(restored, problem.events.slice(problem.middle));
      expect(grown.classCount()).toBe(CLASSES);
      expect(stateFingerprint(restored.saveState())).toEqual(stateFingerprint(grown.saveState()));
      // One instance restores versions of any class count in any order (the evaluator and encoder do).
      const later = grown.saveState();
      const viewer = build(name, 0);
      for (const state of [later, saved, later, saved]) viewer.restoreState({ params: state.params, data: JSON.parse(JSON.stringify(state.data)) as Record<string, unknown> });
      expect(viewer.classCount()).toBe(4);
      expect(await viewer.predict(problem.testFeatures)).toEqual(predicted);
      const final = await grown.predict(problem.testFeatures);
      expect([...final].every((c) => c >= 0 && c < CLASSES)).toBe(true);
      // It learned: most test samples of the tiny separable problem are named right.
      const testLabels = Array.from({ length: CLASSES * TEST_PER_CLASS }, (_, i) => i % CLASSES);
      expect(testLabels.filter((l, i) => final[i] === l).length).toBeGreaterThan(0);
    });

    it('gives identical predictions and parameters for the same seed, and keeps memory within capacity', async () => {
      const a = build(name);
      const b = build(name);
      await play(a, problem.events, () => {
        const d = a.describe?.();
        if (d?.memorySize !== undefined && d.memoryCapacity !== undefined) expect(d.memorySize).toBeLessThanOrEqual(d.memoryCapacity);
      });
      await play(b, problem.events);
      expect(await a.predict(problem.testFeatures)).toEqual(await b.predict(problem.testFeatures));
      expect(parameterBytes(a.saveState().params)).toEqual(parameterBytes(b.saveState().params));
    });

    it('round-trips its state bit-exactly through saveState/restoreState (also into a fresh instance)', async () => {
      const s = build(name);
      await play(s, problem.events.slice(0, problem.middle));
      const saved = s.saveState();
      const atSave = { fingerprint: stateFingerprint(saved), predicted: await s.predict(problem.testFeatures) };

      await play(s, problem.events.slice(problem.middle));
      const atEnd = { fingerprint: stateFingerprint(s.saveState()), predicted: await s.predict(problem.testFeatures) };
      expect(atEnd.fingerprint.params).not.toEqual(atSave.fingerprint.params);

      s.restoreState(saved);
      expect(stateFingerprint(s.saveState())).toEqual(atSave.fingerprint);
      expect(await s.predict(problem.testFeatures)).toEqual(atSave.predicted);

      // A checkpoint resumed in a fresh instance of the same configuration (bookkeeping through
      // JSON, as a checkpoint file carries it) continues exactly as the original did.
      const resumed = build(name);
      resumed.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
      await play(resumed, problem.events.slice(problem.middle));
      expect(stateFingerprint(resumed.saveState())).toEqual(atEnd.fingerprint);
      expect(await resumed.predict(problem.testFeatures)).toEqual(atEnd.predicted);
    });

    it('forgets samples by id: they leave its memories, a second request removes nothing, and the state still round-trips', async () => {
      const s = build(name);
      await play(s, problem.events.slice(0, problem.middle));
      if (s.forget === undefined) {
        expect(s.unlearning ?? 'excluded').toBe('excluded');
        return;
      }
      const learned = problem.events.slice(0, problem.middle).flatMap((e) => (e.kind === 'learn' ? [...e.batch.ids] : []));
      const doomed = learned.filter((_, i) => i % 3 === 0);
      const before = s.describe?.().memorySize;
      const removed = s.forget(doomed);
      expect(removed).toBeGreaterThanOrEqual(0);
      expect(removed).toBeLessThanOrEqual(doomed.length);
      // Removed from the memory, or from pools and distillation sources that describe() does not count.
      if (before !== undefined) {
        expect(s.describe!().memorySize).toBeLessThanOrEqual(before);
        expect(s.describe!().memorySize).toBeGreaterThanOrEqual(before - removed);
      }
      expect(s.forget(doomed)).toBe(0);
      const saved = s.saveState();
      const resumed = build(name);
      resumed.restoreState({ params: saved.params, data: JSON.parse(JSON.stringify(saved.data)) as Record<string, unknown> });
      expect(stateFingerprint(resumed.saveState())).toEqual(stateFingerprint(saved));
      expect(resumed.forget!(doomed)).toBe(0);
    });

    it('reports the loss of each step it trained on a batch (a finite non-negative number), or nothing when it trains none', async () => {
      const s = build(name);
      const losses: (number | undefined)[] = [];
      for (const event of problem.events) {
        growToFit(s, event.kind === 'learn' ? event.batch.labels : event.info.classes);
        if (event.kind === 'learn') {
          const stats = await s.learn(event.batch);
          losses.push(stats ? stats.loss : undefined);
        } else if (event.kind === 'begin') await s.beginExperience(event.info);
        else await s.endExperience(event.info);
      }
      for (const loss of losses) if (loss !== undefined) expect(loss).toBeGreaterThanOrEqual(0);
      for (const loss of losses) if (loss !== undefined) expect(Number.isFinite(loss)).toBe(true);
      // Strategies that take a gradient step on every incoming batch report every step's loss.
      if (STEPS_PER_BATCH.has(name)) expect(losses.every((l) => l !== undefined)).toBe(true);
      else expect(losses.every((l) => l === undefined)).toBe(true);
    });

    it('rejects bad input with a clear InvalidArgumentError and changes nothing', async () => {
      const s = build(name);
      await play(s, problem.events.slice(0, problem.middle));
      const before = { fingerprint: stateFingerprint(s.saveState()), memory: s.describe?.(), predicted: await s.predict(problem.testFeatures) };
      const next = problem.events[problem.middle]!;
      if (next.kind !== 'learn') throw new Error('the middle of the stream must be a batch');
      for (const bad of badBatches(next.batch)) {
        const error = await s.learn(bad.batch).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, bad.name).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message, bad.name).toMatch(bad.message);
        expect(stateFingerprint(s.saveState()), bad.name).toEqual(before.fingerprint);
        expect(s.describe?.(), bad.name).toEqual(before.memory);
      }
      await expect(s.predict(new Float32Array(INPUT + 1))).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await s.predict(problem.testFeatures)).toEqual(before.predicted);
    });
  });
});
