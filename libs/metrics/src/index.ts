/** Continual-learning and retrieval metrics as pure functions, each naming its definition. */
export { accuracy, accuracyMatrix, experienceCount } from './accuracy-matrix.js';
export type { AccuracyMatrix } from './accuracy-matrix.js';
export { confusionMatrix } from './confusion-matrix.js';
export type { ConfusionMatrix } from './confusion-matrix.js';
export { DEFINITIONS, describeDefinition, describeMetric } from './definitions.js';
export type { MetricDefinition, MetricId, MetricValue } from './definitions.js';
export { averageAccuracy, averageForgetting, intransigence } from './forgetting-metrics.js';
export { incrementalAccuracy } from './incremental-accuracy.js';
export type { IncrementalAccuracy, ScoredSamples } from './incremental-accuracy.js';
export { summariseMatrix } from './matrix-summary.js';
export type { MatrixSummary } from './matrix-summary.js';
export { negativeFlipRate } from './negative-flip-rate.js';
export { mrrAtK, ndcgAtK, recallAtK } from './retrieval-metrics.js';
export type { RankedQuery } from './retrieval-metrics.js';
export { predictionHits, rowAccuracy } from './row-accuracy.js';
export type { ClassLookup } from './row-accuracy.js';
export { averageFinalAccuracy, backwardTransfer, forwardTransfer } from './transfer-metrics.js';
