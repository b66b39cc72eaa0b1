export { createEvaluatorService } from './evaluator-service.js';
export type { EvaluatorModule, EvaluatorOptions } from './evaluator-service.js';
