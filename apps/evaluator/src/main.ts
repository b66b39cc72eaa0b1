/**
 * The evaluator service process: keeps each model's held-out sets, evaluates every announced
 * version on all of them, and publishes evaluation-completed with ACC, BWT, FWT and forgetting:
 *
 *   node --conditions=@mneme/source --import tsx apps/evaluator/src/main.ts
 *
 * Configured by the common service variables, read and checked by `startServiceProcess`.
 */
import { startServiceProcess } from '@mneme/service-runtime';
import { createEvaluatorService } from './index.js';

await startServiceProcess('evaluator', (deps) => createEvaluatorService(deps));
