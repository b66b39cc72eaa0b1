import { GraphError } from '@mneme/graph';

/**
 * A node on the path from the requested values to the loss has no gradient rule: the model uses an
 * op mneme cannot train through, which a caller fixes by choosing another model or freezing values
 * (`invalid-argument`, as for an op without a shape rule).
 */
export class MissingGradientRuleError extends GraphError {
  constructor(
    readonly opType: string,
    readonly nodeName: string,
  ) {
    super(
      `No gradient rule for op '${opType}' (node '${nodeName}'), which lies between the requested values and the loss. ` +
        'Add a rule to GRADIENT_RULES in libs/autodiff or freeze the values that reach it.',
      'missing-gradient-rule',
      { kind: 'invalid-argument' },
    );
  }
}

/**
 * A gradient was requested that cannot be formed. Bad names, a non-scalar loss or bad cotangents
 * are the calling code's mistake (`internal`); an attribute a node of the model uses that its
 * gradient rule does not support is the model's (`invalid-argument`).
 */
export class GradientError extends GraphError {
  constructor(message: string, kind: 'internal' | 'invalid-argument' = 'internal') {
    super(message, 'gradient', { kind });
  }
}
