import { DistillationMethod, type DistillationSpec, type DistillNetworkSpec, type RealSamples } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { fromWire } from '@mneme/wire';
import { labelNameProblem, numberProblems, type ServiceLimits } from '@mneme/service-runtime';
import { limitProblem } from '@mneme/config';
import { checkDistillOptions, DISTILL_DEFAULTS, type DistillMethod, type DistillOptions } from '@mneme/methods';

const METHODS: Readonly<Record<number, DistillMethod>> = Object.freeze({
  [DistillationMethod.DISTILLATION_METHOD_UNSPECIFIED]: 'second-order',
  [DistillationMethod.DISTILLATION_METHOD_BILEVEL]: 'second-order',
  [DistillationMethod.DISTILLATION_METHOD_FIRST_ORDER]: 'first-order',
  [DistillationMethod.DISTILLATION_METHOD_GRADIENT_MATCHING]: 'gradient-matching',
});

/** The proto spec with its documented defaults filled in (inner steps 1, outer steps 500, lr 0.01, real batch 128, outer lr 0.01, 1 init per step). */
export function specWithDefaults(spec: DistillationSpec | undefined): DistillationSpec {
  return {
    samplesPerLabel: spec?.samplesPerLabel ?? 0,
    method: spec?.method || DistillationMethod.DISTILLATION_METHOD_BILEVEL,
    innerSteps: spec?.innerSteps || 1,
    outerSteps: spec?.outerSteps || 500,
    innerLearningRate: spec?.innerLearningRate || 0.01,
    initFromReal: spec?.initFromReal ?? false,
    seed: spec?.seed ?? 0,
    realBatch: spec?.realBatch || DISTILL_DEFAULTS.realBatch,
    outerLearningRate: spec?.outerLearningRate || DISTILL_DEFAULTS.outerLr,
    initsPerStep: spec?.initsPerStep || DISTILL_DEFAULTS.initsPerStep,
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
    initsPerStep: spec.initsPerStep,
    realBatch: Math.max(1, Math.min(spec.realBatch, realSamples)),
    outerLr: spec.outerLearningRate,
    innerLr: spec.innerLearningRate,
    seed: spec.seed % 2 ** 32,
  };
  checkDistillOptions(options);
  return options;
}

/**
 * The work and output a (defaulted) spec asks for, against the limits, before a job is queued:
 * learning rates finite and positive, outer × inner steps × initialisations within
 * `maxDistillSteps`, samples per label × labels within `maxSyntheticSamples`.
 *
 * @throws InvalidArgumentError naming every problem
 */
export function checkSpecBounds(
  requested: DistillationSpec | undefined,
  spec: DistillationSpec,
  labels: number,
  limits: ServiceLimits,
): void {
  // As sent: 0 asks for the default, and NaN must not pass for 0 (`NaN || 0.01` is 0.01).
  const rate = (what: string, value: number | undefined) =>
    value === undefined || value === 0 ? [] : numberProblems(what, value, { min: 0, exclusiveMin: true });
  const problems = [
    ...rate('spec.inner_learning_rate', requested?.innerLearningRate),
    ...rate('spec.outer_learning_rate', requested?.outerLearningRate),
    limitProblem(
      'spec.outer_steps × inner_steps × inits_per_step',
      spec.outerSteps * spec.innerSteps * spec.initsPerStep,
      'maxDistillSteps',
      limits,
    ),
    limitProblem(`spec.samples_per_label × ${labels} labels`, spec.samplesPerLabel * labels, 'maxSyntheticSamples', limits),
  ].filter((p) => p !== undefined);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/** Most layers and widest layer of a requested network (bounded before anything is allocated). */
const MAX_LAYERS = 8;
const MAX_WIDTH = 10_000;

/**
 * The rows and labels of inline real samples: float32 `[n, width]`, finite, one valid label each.
 *
 * @throws InvalidArgumentError naming every problem
 */
export function realSamplesOf(real: RealSamples, limits: ServiceLimits): { rows: Float32Array; width: number; labels: string[] } {
  const problems: string[] = [];
  if (real.rows === undefined) throw new InvalidArgumentError('real.rows is required: float32 [n, width]');
  // Sized by shape first: the rows of one experience, each at most the feature width limit.
  const [rowCount = 0, width = 0] = real.rows.shape;
  const bounds = [
    limitProblem('real.rows count', rowCount, 'maxExperienceSamples', limits),
    limitProblem('real.rows width', width, 'maxFeatureWidth', limits),
    limitProblem('the number of real.labels', real.labels.length, 'maxExperienceSamples', limits),
  ].filter((p) => p !== undefined);
  if (bounds.length > 0) throw new InvalidArgumentError(bounds);
  // fromWire checks the dtype, the data's size against the shape, and finiteness.
  const t = fromWire(real.rows, { expectDtype: 'float32', what: 'real.rows' });
  if (t.shape.length !== 2 || t.shape[0]! < 1 || t.shape[1]! < 1)
    problems.push(`real.rows must be float32 [n, width] with n, width ≥ 1, got [${t.shape.join(', ')}]`);
  const n = t.shape[0] ?? 0;
  if (real.labels.length !== n) problems.push(`real.labels holds ${real.labels.length} labels for ${n} rows`);
  real.labels.forEach((l, i) => {
    const p = labelNameProblem(l);
    if (p !== undefined && problems.length < 20) problems.push(`real.labels[${i}]: ${p}`);
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { rows: t.data, width: t.shape[1]!, labels: [...real.labels] };
}

/**
 * A requested network checked against the data: 2..8 layer widths in 1..10000, the first the rows'
 * width, the last the number of its labels, which name every label of the data once.
 *
 * @throws InvalidArgumentError naming every problem
 */
export function networkSpecOf(
  network: DistillNetworkSpec,
  width: number,
  dataLabels: readonly string[],
): { sizes: number[]; labels: string[] } {
  const problems: string[] = [];
  const sizes = [...network.sizes];
  if (sizes.length < 2 || sizes.length > MAX_LAYERS) problems.push(`network.sizes must hold 2..${MAX_LAYERS} widths, got ${sizes.length}`);
  if (sizes.some((s) => s < 1 || s > MAX_WIDTH)) problems.push(`network.sizes must lie in 1..${MAX_WIDTH}, got [${sizes.join(', ')}]`);
  if (sizes.length > 0 && sizes[0] !== width) problems.push(`network.sizes starts at ${sizes[0]}, but the rows are ${width} wide`);
  if (sizes.length > 0 && sizes.at(-1) !== network.labels.length)
    problems.push(`network.sizes ends at ${sizes.at(-1)} classes, but network.labels names ${network.labels.length}`);
  // A set, not indexOf: quadratic in the label count.
  const seen = new Set<string>();
  const dup = network.labels.find((l) => seen.has(l) || !seen.add(l));
  if (dup !== undefined) problems.push(`network.labels repeats '${dup}'`);
  const known = new Set(network.labels);
  const unknown = [...new Set(dataLabels)].filter((l) => !known.has(l));
  if (unknown.length > 0) problems.push(`real.labels names labels the network has no output for: ${unknown.slice(0, 5).join(', ')}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { sizes, labels: [...network.labels] };
}
