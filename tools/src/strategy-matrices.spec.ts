import { createExecutor, Engine } from '@mneme/engine';
import { InvalidArgumentError } from '@mneme/errors';
import { STRATEGY_REGISTRY } from '@mneme/methods';
import { describe, expect, it } from 'vitest';
import { compareMatrices, MATRICES_SCHEMA, matrixCases, parseMatricesFile, runCase, type MatricesFile } from './strategy-matrices.js';

const file = (cases: MatricesFile['cases']): MatricesFile => ({ schema: MATRICES_SCHEMA, commit: null, cases });

describe('strategy matrices (npm run check:matrices)', () => {
  it('has a feature case for every registered strategy, and text cases for the token strategies only with text data', () => {
    const plain = matrixCases();
    expect(plain.map((c) => c.strategy).sort()).toEqual(Object.keys(STRATEGY_REGISTRY).sort());
    expect(new Set(plain.map((c) => c.name)).size).toBe(plain.length);
    const withText = matrixCases('/data/tiny');
    const text = withText.filter((c) => c.benchmark === 'text').map((c) => c.strategy);
    expect(text).toEqual(expect.arrayContaining(['l2p', 'dual-prompt', 'coda-prompt', 'er']));
    expect(text).not.toContain('naive');
  });

  it('gives equal matrices for equal code, and names the first cell a change moves', async () => {
    const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));
    const naive = matrixCases().find((c) => c.strategy === 'naive')!;
    const first = await runCase(naive, [0], executor);
    const second = await runCase(naive, [0], executor);
    expect(first.matrix[0]!.length).toBe(5);
    expect(compareMatrices(file({ [naive.name]: first }), file({ [naive.name]: second }))).toEqual([]);

    const moved = structuredClone(second) as { matrix: number[][][] } & typeof second;
    moved.matrix[0]![4]![3]! += 0.01;
    const [difference] = compareMatrices(file({ [naive.name]: first }), file({ [naive.name]: moved }));
    expect(difference?.name).toBe(naive.name);
    expect(difference?.what).toMatch(/^matrix\[0\]\[4\]\[3\]: /);
  });

  it('counts a case that only one side has, and different seeds, as differences', () => {
    const cell = { seeds: [0], matrix: [[[1]]], random_init: [[0]], class_accuracy: [[[null]]] };
    expect(compareMatrices(file({ a: cell }), file({}))).toEqual([{ name: 'a', what: 'only before has this case' }]);
    expect(compareMatrices(file({}), file({ a: cell }))).toEqual([{ name: 'a', what: 'only after has this case' }]);
    expect(compareMatrices(file({ a: cell }), file({ a: { ...cell, seeds: [1] } }))[0]?.what).toBe('seeds 0 before, 1 after');
  });

  it('refuses a file that is not a matrices file, naming it', () => {
    expect(() => parseMatricesFile({ schema: 'mneme.run-report/1' }, 'x.json')).toThrow(InvalidArgumentError);
    expect(() => parseMatricesFile(null, 'x.json')).toThrow(/x\.json is not a mneme\.strategy-matrices\/1 file/);
    expect(() => parseMatricesFile({ schema: MATRICES_SCHEMA }, 'y.json')).toThrow(/y\.json has no cases/);
  });
});
