import { summariseMatrix, type MatrixSummary } from '@mneme/metrics';

/** ACC, BWT, FWT and forgetting of the rows so far (NaN where a metric needs two experiences, FWT also without b_j). */
export type LedgerMetrics = MatrixSummary;

/** A ledger's JSON-safe content, for durable storage. */
export interface LedgerSnapshot {
  /** b_j: accuracy of the untrained version on each experience, once evaluated. */
  readonly randomInit: readonly number[] | null;
  /** Row of each experience trained through (key: the experience index). */
  readonly rows: Readonly<Record<string, readonly number[]>>;
}

/**
 * One model's accuracy matrix as versions are evaluated: the untrained version gives b_j, each
 * version trained through experience i gives row i. Adding a row again replaces it (a re-evaluation
 * is idempotent). Metrics are those of the embedded loop on the square part seen so far: after k
 * experiences, rows 0..k−1 restricted to experiences 0..k−1, so the finished matrix gives exactly
 * the embedded run's figures.
 */
export class AccuracyLedger {
  private randomInit: number[] | null = null;
  private readonly rows = new Map<number, number[]>();

  /** Restores a ledger from {@link snapshot}. */
  static from(snapshot: LedgerSnapshot): AccuracyLedger {
    const ledger = new AccuracyLedger();
    ledger.randomInit = snapshot.randomInit === null ? null : [...snapshot.randomInit];
    for (const [k, row] of Object.entries(snapshot.rows)) ledger.rows.set(Number(k), [...row]);
    return ledger;
  }

  snapshot(): LedgerSnapshot {
    return {
      randomInit: this.randomInit === null ? null : [...this.randomInit],
      rows: Object.fromEntries([...this.rows].map(([k, r]) => [String(k), [...r]])),
    };
  }

  /** Records the untrained version's accuracies (b_j). */
  setRandomInit(row: readonly number[]): void {
    this.randomInit = [...row];
  }

  /** Records the row of the version trained through `experience`. */
  setRow(experience: number, row: readonly number[]): void {
    this.rows.set(experience, [...row]);
  }

  /** Rows in experience order, with the experience each follows. */
  orderedRows(): { after: number; row: number[] }[] {
    return [...this.rows].sort(([a], [b]) => a - b).map(([after, row]) => ({ after, row: [...row] }));
  }

  /** b_j, when the untrained version was evaluated. */
  randomInitRow(): number[] | undefined {
    return this.randomInit === null ? undefined : [...this.randomInit];
  }

  /** The metrics over the contiguous rows 0..k−1 (k = rows present from experience 0 on). */
  metrics(): LedgerMetrics | undefined {
    const rows: number[][] = [];
    while (this.rows.has(rows.length)) rows.push(this.rows.get(rows.length)!);
    const k = Math.min(rows.length, rows[0]?.length ?? 0);
    if (k === 0) return undefined;
    const square = rows.slice(0, k).map((r) => r.slice(0, k));
    // b_j of an untrained version evaluated on fewer experiences than k is not b for this square: no FWT yet.
    const b = this.randomInit?.slice(0, k);
    return summariseMatrix(square, b !== undefined && b.length === k ? b : undefined);
  }
}
