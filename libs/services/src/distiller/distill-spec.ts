import { DistillationMethod, type DistillationSpec } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { checkDistillOptions, DISTILL_DEFAULTS, type DistillMethod, type DistillOptions } from '@mneme/methods';

const METHODS: Readonly<Record<number, DistillMethod>> = Object.freeze({
  [DistillationMethod.DISTILLATION_METHOD_UNSPECIFIED]: 'second-order',
  [DistillationMethod.DISTILLATION_METHOD_BILEVEL]: 'second-order',
  [DistillationMethod.DISTILLATION_METHOD_FIRST_ORDER]: 'first-order',
  [DistillationMethod.DISTILLATION_METHOD_GRADIENT_MATCHING]: 'gradient-matching',
});

/** The proto spec with its documented defaults filled in (inner steps 1, outer steps 500, lr 0.01). */
export function specWithDefaults(spec: DistillationSpec | undefined): DistillationSpec {
  return {
    samplesPerLabel: spec?.samplesPerLabel ?? 0,
    method: spec?.method || DistillationMethod.DISTILLATION_METHOD_BILEVEL,
    innerSteps: spec?.innerSteps || 1,
    outerSteps: spec?.outerSteps || 500,
    innerLearningRate: spec?.innerLearningRate || 0.01,
    initFromReal: spec?.initFromReal ?? false,
    seed: spec?.seed ?? 0,
  };
}

/**
 * The options of a libs/methods distillation run for a (defaulted) proto spec; the rest of the
 * options (Adam rate, real batch, initialisations per step) are libs/methods' defaults.
 *
 * @throws InvalidArgumentError listing every bad field
 */
export function distillOptions(spec: DistillationSpec, realSamples: number): DistillOptions {
  const problems: string[] = [];
  if (spec.samplesPerLabel < 1) problems.push('spec.samples_per_label must be positive (K synthetic samples per label)');
  const method = METHODS[spec.method];
  if (method === undefined) problems.push(`spec.method ${String(spec.method)} is not a known DistillationMethod`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  const options: DistillOptions = {
    perClass: spec.samplesPerLabel,
    outerSteps: spec.outerSteps,
    innerSteps: spec.innerSteps,
    method: method!,
    init: spec.initFromReal ? 'real' : 'noise',
    initsPerStep: DISTILL_DEFAULTS.initsPerStep,
    realBatch: Math.max(1, Math.min(DISTILL_DEFAULTS.realBatch, realSamples)),
    outerLr: DISTILL_DEFAULTS.outerLr,
    innerLr: spec.innerLearningRate,
    seed: spec.seed % 2 ** 32,
  };
  checkDistillOptions(options);
  return options;
}
