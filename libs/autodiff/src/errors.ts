import { GraphError } from '@mneme/graph';

/** A node on the path from the requested values to the loss has no gradient rule. */
export class MissingGradientRuleError extends GraphError {
  constructor(
    readonly opType: string,
    readonly nodeName: string,
  ) {
    super(
      `No gradient rule for op '${opType}' (node '${nodeName}'), which lies between the requested values and the loss. ` +
        'Add a rule to GRADIENT_RULES in libs/autodiff or freeze the values that reach it.',
      'missing-gradient-rule',
    );
  }
}

/** A gradient was requested that cannot be formed (bad names, non-scalar loss, unsupported attribute). */
export class GradientError extends GraphError {
  constructor(message: string) {
    super(message, 'gradient');
  }
}
