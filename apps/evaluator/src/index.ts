/** The evaluator service: keeps held-out sets and evaluates every announced version on all of them (ACC, BWT, FWT, forgetting). */
export { createEvaluatorService } from './evaluator-service.js';
export type { EvaluatorModule, EvaluatorOptions } from './evaluator-service.js';
