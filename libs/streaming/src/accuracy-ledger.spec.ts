import { averageFinalAccuracy, averageForgetting, backwardTransfer, forwardTransfer } from '@mneme/metrics';
import { describe, expect, it } from 'vitest';
import { AccuracyLedger } from './accuracy-ledger.js';

const rows = [
  [0.9, 0.1, 0.2],
  [0.7, 0.8, 0.1],
  [0.6, 0.5, 0.9],
];

describe('AccuracyLedger', () => {
  it('gives the embedded loop metrics once every row is in', () => {
    const ledger = new AccuracyLedger();
    ledger.setRandomInit([0.1, 0.1, 0.1]);
    [2, 0, 1].forEach((i) => ledger.setRow(i, rows[i]!));
    const m = ledger.metrics()!;
    expect(m.acc.value).toBeCloseTo(averageFinalAccuracy(rows).value, 12);
    expect(m.bwt.value).toBeCloseTo(backwardTransfer(rows).value, 12);
    expect(m.fwt.value).toBeCloseTo(forwardTransfer(rows, [0.1, 0.1, 0.1]).value, 12);
    expect(m.forgetting.value).toBeCloseTo(averageForgetting(rows).value, 12);
    expect(ledger.orderedRows().map((r) => r.after)).toEqual([0, 1, 2]);
  });

  it('reports the seen square part while rows arrive, NaN where two experiences are needed', () => {
    const ledger = new AccuracyLedger();
    expect(ledger.metrics()).toBeUndefined();
    ledger.setRow(0, rows[0]!);
    const one = ledger.metrics()!;
    expect(one.acc.value).toBeCloseTo(0.9, 12);
    expect(one.bwt.value).toBeNaN();
    ledger.setRow(1, rows[1]!);
    expect(ledger.metrics()!.acc.value).toBeCloseTo(0.75, 12);
    expect(ledger.metrics()!.fwt.value).toBeNaN(); // no b_j yet
  });

  it('round-trips through its snapshot', () => {
    const ledger = new AccuracyLedger();
    ledger.setRandomInit([0.1, 0.2, 0.3]);
    ledger.setRow(0, rows[0]!);
    expect(AccuracyLedger.from(JSON.parse(JSON.stringify(ledger.snapshot()))).snapshot()).toEqual(ledger.snapshot());
  });
});
