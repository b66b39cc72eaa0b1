import { limitProblem } from '@mneme/config';
import { DataType, type Input, type Sample, type Tensor as WireTensor } from '@mneme/contracts';
import type { ServiceLimits } from '../runtime/service-module.js';

/**
 * Checks of the sizes and numbers callers send, shared by every service so that one field is bounded
 * the same way everywhere. Each returns the problems found (empty when there are none); callers
 * collect them and throw one InvalidArgumentError before they allocate or store anything.
 */

/** A list of `what` with 1..`limit` entries. */
export function countProblems(
  what: string,
  count: number,
  name: 'maxSamplesPerRequest' | 'maxIdsPerRequest',
  limits: ServiceLimits,
): string[] {
  if (count === 0) return [`${what} is empty: send at least one`];
  const over = limitProblem(`the number of ${what}`, count, name, limits);
  return over === undefined ? [] : [over];
}

/** A non-empty id of at most `maxIdBytes` UTF-8 bytes. */
export function idProblems(what: string, id: string, limits: ServiceLimits): string[] {
  if (id === '') return [`${what} is empty`];
  const over = limitProblem(`${what} length in bytes`, Buffer.byteLength(id, 'utf8'), 'maxIdBytes', limits);
  return over === undefined ? [] : [over];
}

/** Ids of a request: 1..`maxIdsPerRequest` of them, each non-empty and short (the first few problems only). */
export function idListProblems(what: string, ids: readonly string[], limits: ServiceLimits): string[] {
  const problems = countProblems(what, ids.length, 'maxIdsPerRequest', limits);
  if (problems.length > 0) return problems;
  for (const [i, id] of ids.entries()) {
    problems.push(...idProblems(`${what}[${i}]`, id, limits));
    if (problems.length >= 5) break;
  }
  return problems;
}

/** An experience index within `maxExperienceIndex`. */
export function experienceIndexProblems(what: string, index: number, limits: ServiceLimits): string[] {
  const over = limitProblem(what, index, 'maxExperienceIndex', limits);
  return over === undefined ? [] : [over];
}

/** A sample's id, metadata and text (bytes); its label and features are checked where the model is known. */
export function sampleBoundProblems(what: string, sample: Sample | undefined, limits: ServiceLimits): string[] {
  if (sample === undefined) return [`${what} is missing`];
  const problems = idProblems(`${what}.sample_id`, sample.sampleId, limits);
  let metadataBytes = 0;
  for (const [key, value] of Object.entries(sample.metadata))
    metadataBytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  const metadata = limitProblem(`${what}.metadata size in bytes`, metadataBytes, 'maxMetadataBytes', limits);
  if (metadata !== undefined) problems.push(metadata);
  problems.push(...inputBoundProblems(`${what}.input`, sample.input, limits));
  return problems;
}

/** A text input's length in bytes (which also bounds its tokens: every token is at least one byte). */
export function inputBoundProblems(what: string, input: Input | undefined, limits: ServiceLimits): string[] {
  if (input?.kind?.$case !== 'text') return [];
  const over = limitProblem(`${what}.text length in bytes`, Buffer.byteLength(input.kind.value, 'utf8'), 'maxTextBytes', limits);
  return over === undefined ? [] : [over];
}

/** Options of {@link numberProblems}. */
export interface NumberRange {
  /** Smallest allowed value. */
  readonly min?: number;
  /** Whether `min` itself is refused (a learning rate must be > 0, not ≥ 0). */
  readonly exclusiveMin?: boolean;
  /** Largest allowed value. */
  readonly max?: number;
}

/** A finite number within a range: NaN and infinities are refused everywhere. */
export function numberProblems(what: string, value: number, range: NumberRange = {}): string[] {
  if (!Number.isFinite(value)) return [`${what} must be a finite number, got ${value}`];
  if (range.min !== undefined && (range.exclusiveMin === true ? value <= range.min : value < range.min)) {
    return [`${what} must be ${range.exclusiveMin === true ? '>' : '≥'} ${range.min}, got ${value}`];
  }
  if (range.max !== undefined && value > range.max) return [`${what} must be ≤ ${range.max}, got ${value}`];
  return [];
}

/**
 * A feature vector where the contract is float32 `[width]`: the dtype (float64 is refused, not
 * narrowed), the shape (rank 1, not an element count that happens to match) and the width limit.
 */
export function featureVectorProblems(what: string, tensor: WireTensor | undefined, limits: ServiceLimits): string[] {
  if (tensor === undefined) return [`${what} is missing: send float32 [width]`];
  const problems: string[] = [];
  if (tensor.dtype !== DataType.DATA_TYPE_FLOAT32)
    problems.push(`${what} has dtype ${DataType[tensor.dtype] ?? tensor.dtype}; send DATA_TYPE_FLOAT32`);
  if (tensor.shape.length !== 1) problems.push(`${what} has shape [${tensor.shape.join(', ')}]; send a vector, [width]`);
  else {
    const over = limitProblem(`${what} width`, tensor.shape[0]!, 'maxFeatureWidth', limits);
    if (over !== undefined) problems.push(over);
  }
  return problems;
}
