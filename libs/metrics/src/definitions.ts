/** Identifier of a metric definition in {@link DEFINITIONS}. */
export type MetricId =
  | 'accuracy'
  | 'acc-lopez-paz-2017'
  | 'bwt-lopez-paz-2017'
  | 'fwt-lopez-paz-2017'
  | 'average-accuracy-chaudhry-2018'
  | 'forgetting-chaudhry-2018'
  | 'intransigence-chaudhry-2018'
  | 'class-il-accuracy'
  | 'task-il-accuracy'
  | 'negative-flip-rate'
  | 'recall-at-k'
  | 'mrr-at-k'
  | 'ndcg-at-k';

/** What a reported number means: its formula in words and symbols, and where it is defined. */
export interface MetricDefinition {
  readonly id: MetricId;
  /** Short name for tables. */
  readonly name: string;
  /** The formula, with its symbols explained. */
  readonly formula: string;
  /** The publication (or tool) that defines it. */
  readonly source: string;
}

/** A reported number and the definition it follows (look it up in {@link DEFINITIONS}). */
export interface MetricValue {
  readonly value: number;
  readonly definition: MetricId;
  /** Parameters of the definition, e.g. `{ k: 10 }` for nDCG@10 or `{ k: 3 }` for A_3. */
  readonly params?: Readonly<Record<string, number>>;
}

const define = (id: MetricId, name: string, formula: string, source: string): MetricDefinition =>
  Object.freeze({ id, name, formula, source });

/**
 * Every metric definition this library reports. Accuracy-matrix entries `R[i][j]` (1-based in the
 * formulas, 0-based in code) are the test accuracy on experience j after training through
 * experience i.
 */
export const DEFINITIONS: Readonly<Record<MetricId, MetricDefinition>> = Object.freeze({
  accuracy: define('accuracy', 'accuracy', '(1/N) Σ_n 1[ŷ_n = y_n]', 'fraction of correct predictions'),
  'acc-lopez-paz-2017': define(
    'acc-lopez-paz-2017',
    'ACC',
    'ACC = (1/T) Σ_{i=1..T} R_{T,i}',
    'Lopez-Paz & Ranzato 2017, "Gradient Episodic Memory for Continual Learning", Sec. 2',
  ),
  'bwt-lopez-paz-2017': define(
    'bwt-lopez-paz-2017',
    'BWT',
    'BWT = (1/(T−1)) Σ_{i=1..T−1} (R_{T,i} − R_{i,i})',
    'Lopez-Paz & Ranzato 2017, "Gradient Episodic Memory for Continual Learning", Sec. 2',
  ),
  'fwt-lopez-paz-2017': define(
    'fwt-lopez-paz-2017',
    'FWT',
    'FWT = (1/(T−1)) Σ_{i=2..T} (R_{i−1,i} − b_i), b_i = test accuracy on task i at random initialisation',
    'Lopez-Paz & Ranzato 2017, "Gradient Episodic Memory for Continual Learning", Sec. 2',
  ),
  'average-accuracy-chaudhry-2018': define(
    'average-accuracy-chaudhry-2018',
    'A_k',
    'A_k = (1/k) Σ_{j=1..k} a_{k,j}',
    'Chaudhry et al. 2018, "Riemannian Walk for Incremental Learning", Sec. 3',
  ),
  'forgetting-chaudhry-2018': define(
    'forgetting-chaudhry-2018',
    'F_k',
    'F_k = (1/(k−1)) Σ_{j=1..k−1} f_j^k, f_j^k = max_{l∈{1..k−1}} a_{l,j} − a_{k,j}',
    'Chaudhry et al. 2018, "Riemannian Walk for Incremental Learning", Sec. 3',
  ),
  'intransigence-chaudhry-2018': define(
    'intransigence-chaudhry-2018',
    'I_k',
    'I_k = a*_k − a_{k,k}, a*_k = accuracy on task k of a reference model trained jointly on the data of tasks 1..k',
    'Chaudhry et al. 2018, "Riemannian Walk for Incremental Learning", Sec. 3',
  ),
  'class-il-accuracy': define(
    'class-il-accuracy',
    'class-IL accuracy',
    '(1/N) Σ_n 1[argmax_{c ∈ all classes} s_{n,c} = y_n]',
    'single-head evaluation (van de Ven & Tolias 2019, "Three scenarios for continual learning")',
  ),
  'task-il-accuracy': define(
    'task-il-accuracy',
    'task-IL accuracy',
    '(1/N) Σ_n 1[argmax_{c ∈ classes of task t_n} s_{n,c} = y_n] (scores masked to the sample’s task)',
    'multi-head evaluation (van de Ven & Tolias 2019, "Three scenarios for continual learning")',
  ),
  'negative-flip-rate': define(
    'negative-flip-rate',
    'NFR',
    'NFR = (1/N) Σ_n 1[ŷ_n^old = y_n ∧ ŷ_n^new ≠ y_n]',
    'Yan et al. 2021, "Positive-Congruent Training: Towards Regression-Free Model Updates", CVPR',
  ),
  'recall-at-k': define(
    'recall-at-k',
    'recall@k',
    'mean over queries q of |relevant(q) ∩ top-k(q)| / |relevant(q)|; relevant = relevance > 0',
    'trec_eval recall_k, as reported by BEIR (Thakur et al. 2021)',
  ),
  'mrr-at-k': define(
    'mrr-at-k',
    'MRR@k',
    'mean over queries of 1/rank of the first relevant document within the top k, 0 if none',
    'MS MARCO passage ranking (Nguyen et al. 2016), official MRR@10',
  ),
  'ndcg-at-k': define(
    'ndcg-at-k',
    'nDCG@k',
    'mean over queries of DCG@k / IDCG@k, DCG@k = Σ_{i=1..k} rel_i / log2(i+1) (linear gain), IDCG@k = DCG@k of the ideal ordering of all judged documents',
    'Järvelin & Kekäläinen 2002; trec_eval ndcg_cut_k as reported by BEIR (Thakur et al. 2021)',
  ),
});

/** `name: formula (source)`, what a reported number means (e.g. `definition` of a report's statistic, of a service's metrics). */
export function describeDefinition(id: MetricId): string {
  const definition = DEFINITIONS[id];
  return `${definition.name}: ${definition.formula} (${definition.source})`;
}

/** `name = value (formula; source)`, e.g. for logs and reports. */
export function describeMetric(metric: MetricValue): string {
  const definition = DEFINITIONS[metric.definition];
  const params =
    metric.params === undefined
      ? ''
      : ` [${Object.entries(metric.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}]`;
  return `${definition.name}${params} = ${metric.value} (${definition.formula}; ${definition.source})`;
}
