/**
 * Reverse-mode differentiation of ONNX graphs into gradient graphs made of standard ONNX ops, from
 * one table of rules (`GRADIENT_RULES`). Gradient graphs can be differentiated again.
 */
export { appendGradients } from './append-gradients.js';
export type { AppendGradientsOptions } from './append-gradients.js';
export { gradientGraph } from './gradient-graph.js';
export type { GradientGraphOptions, GradientModel } from './gradient-graph.js';
// Moved to @mneme/graph (it is not about gradients); re-exported for existing callers.
export { inlineGraph } from '@mneme/graph';
export { GRADIENT_RULES, NON_DIFFERENTIABLE_OPS } from './gradient-rules.js';
export type { GradContext, GradientRule } from './grad-context.js';
export { unbroadcast } from './grad-context.js';
export { GradientError, MissingGradientRuleError } from './errors.js';
