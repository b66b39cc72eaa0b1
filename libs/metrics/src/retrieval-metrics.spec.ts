import { describe, expect, it } from 'vitest';
import { mrrAtK, ndcgAtK, recallAtK, type RankedQuery } from './index.js';

const queries: RankedQuery[] = [
  // relevant d1, d2 at ranks 2 and 4
  { ranked: ['d3', 'd1', 'd7', 'd2', 'd8'], relevance: { d1: 1, d2: 1, d3: 0 } },
  // graded: d4 (2) at rank 2, d9 (1) not retrieved
  { ranked: ['d5', 'd4'], relevance: { d4: 2, d9: 1 } },
];

describe('retrieval metrics', () => {
  it('recall@k is the found share of each query’s relevant documents, averaged', () => {
    // @3: q1 finds d1 of {d1, d2} = 1/2; q2 finds d4 of {d4, d9} = 1/2 → 0.5
    expect(recallAtK(queries, 3)).toEqual({ value: 0.5, definition: 'recall-at-k', params: { k: 3 } });
    // @4: q1 = 2/2, q2 = 1/2 → 0.75
    expect(recallAtK(queries, 4).value).toBe(0.75);
    // @1: neither → 0
    expect(recallAtK(queries, 1).value).toBe(0);
  });

  it('MRR@10 averages 1 / rank of the first relevant document, 0 past the cut-off', () => {
    // q1: 1/2, q2: 1/2 → 0.5
    expect(mrrAtK(queries)).toEqual({ value: 0.5, definition: 'mrr-at-k', params: { k: 10 } });
    const late: RankedQuery = { ranked: Array.from({ length: 11 }, (_, i) => `x${i}`), relevance: { x10: 1 } };
    const first: RankedQuery = { ranked: ['a'], relevance: { a: 1 } };
    // late: relevant at rank 11 → 0; first: 1 → mean 0.5
    expect(mrrAtK([late, first]).value).toBe(0.5);
    expect(mrrAtK([late], 11).value).toBeCloseTo(1 / 11, 12);
  });

  it('nDCG@10 uses linear gain and the ideal order of all judged documents', () => {
    // q1: DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
    //     IDCG = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930 → 0.650920
    // q2: DCG = 2/log2(3) = 1.261860; IDCG = 2/log2(2) + 1/log2(3) = 2.630930 → 0.479622
    // mean = (0.650920 + 0.479622) / 2 = 0.565271
    const q1 = (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3));
    const q2 = 2 / Math.log2(3) / (2 + 1 / Math.log2(3));
    expect(q1).toBeCloseTo(0.65092, 5);
    expect(q2).toBeCloseTo(0.479622, 5);
    const ndcg = ndcgAtK(queries);
    expect(ndcg.value).toBeCloseTo(0.565271, 5);
    expect(ndcg).toMatchObject({ definition: 'ndcg-at-k', params: { k: 10 } });
    // A perfect ranking scores 1.
    expect(ndcgAtK([{ ranked: ['d4', 'd9'], relevance: { d4: 2, d9: 1 } }]).value).toBeCloseTo(1, 12);
  });

  it('rejects queries without relevant documents, repeated documents and bad k', () => {
    expect(() => recallAtK([{ ranked: ['a', 'a'], relevance: { b: 0 } }], 0)).toThrow(
      'k must be a positive integer, got 0; query 0 has no relevant document; leave unjudged queries out; query 0: the ranking repeats a document',
    );
  });
});
