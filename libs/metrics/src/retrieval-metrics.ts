import { InvalidArgumentError } from '@mneme/errors';
import type { MetricValue } from './definitions.js';

/** One query's retrieval result and its relevance judgements. */
export interface RankedQuery {
  /** Retrieved document ids, best first, no repeats. */
  readonly ranked: readonly string[];
  /** Graded relevance of judged documents (> 0 is relevant; unjudged documents count as 0). */
  readonly relevance: Readonly<Record<string, number>>;
}

/**
 * recall@k (trec_eval `recall_k`, as BEIR reports it): the mean over queries of the fraction of a
 * query's relevant documents found in its top k.
 */
export function recallAtK(queries: readonly RankedQuery[], k: number): MetricValue {
  const value = meanOver(
    queries,
    k,
    (query, relevant) => query.ranked.slice(0, k).filter((id) => gain(query, id) > 0).length / relevant.length,
  );
  return { value, definition: 'recall-at-k', params: { k } };
}

/** MRR@k (MS MARCO's MRR@10 for k = 10): the mean over queries of 1 / rank of the first relevant document in the top k, 0 when none. */
export function mrrAtK(queries: readonly RankedQuery[], k = 10): MetricValue {
  const value = meanOver(queries, k, (query) => {
    const rank = query.ranked.slice(0, k).findIndex((id) => gain(query, id) > 0);
    return rank < 0 ? 0 : 1 / (rank + 1);
  });
  return { value, definition: 'mrr-at-k', params: { k } };
}

/**
 * nDCG@k (trec_eval `ndcg_cut_k`, as BEIR reports nDCG@10): per query DCG@k / IDCG@k with linear
 * gain, DCG@k = Σ_{i=1..k} rel_i / log2(i + 1), IDCG@k the DCG@k of all judged documents in
 * ideal order; the mean over queries.
 */
export function ndcgAtK(queries: readonly RankedQuery[], k = 10): MetricValue {
  const value = meanOver(queries, k, (query, relevant) => {
    const dcg = dcgOf(query.ranked.slice(0, k).map((id) => gain(query, id)));
    const ideal = dcgOf(
      relevant
        .map((id) => query.relevance[id]!)
        .sort((a, b) => b - a)
        .slice(0, k),
    );
    return dcg / ideal;
  });
  return { value, definition: 'ndcg-at-k', params: { k } };
}

function gain(query: RankedQuery, id: string): number {
  return Object.hasOwn(query.relevance, id) ? Math.max(0, query.relevance[id]!) : 0;
}

function dcgOf(gains: readonly number[]): number {
  return gains.reduce((total, g, i) => total + g / Math.log2(i + 2), 0);
}

/** Validates the queries and k, then averages `perQuery` (given each query's relevant ids) over them. */
function meanOver(queries: readonly RankedQuery[], k: number, perQuery: (query: RankedQuery, relevant: string[]) => number): number {
  const problems: string[] = [];
  if (!Number.isInteger(k) || k <= 0) problems.push(`k must be a positive integer, got ${k}`);
  if (queries.length === 0) problems.push('there are no queries');
  const relevantIds = queries.map((query, q) => {
    const relevant = Object.keys(query.relevance).filter((id) => query.relevance[id]! > 0);
    if (Object.values(query.relevance).some((r) => !Number.isFinite(r) || r < 0))
      problems.push(`query ${q}: relevance grades must be finite and ≥ 0`);
    if (relevant.length === 0) problems.push(`query ${q} has no relevant document; leave unjudged queries out`);
    if (new Set(query.ranked).size !== query.ranked.length) problems.push(`query ${q}: the ranking repeats a document`);
    return relevant;
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return queries.reduce((total, query, q) => total + perQuery(query, relevantIds[q]!), 0) / queries.length;
}
