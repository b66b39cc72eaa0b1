import type { Input, ModelRef } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { modelIdProblem } from '@mneme/model-store';
import { inputBoundProblems, type ServiceLimits } from '@mneme/service-runtime';

/** Most inputs one Embed or Predict request may carry (the proto's bound). */
export const MAX_INPUTS = 1024;

/** Throws unless 1..1024 inputs were sent. */
export function checkInputCount(inputs: readonly Input[]): void {
  if (inputs.length === 0 || inputs.length > MAX_INPUTS) {
    throw new InvalidArgumentError(`inputs must hold 1..${MAX_INPUTS} inputs, got ${inputs.length}`);
  }
}

/** Throws unless every text is within MNEME_MAX_TEXT_BYTES (checked before anything is tokenised). */
export function checkInputBounds(inputs: readonly Input[], limits: ServiceLimits): void {
  const problems = inputs.flatMap((input, i) => inputBoundProblems(`inputs[${i}]`, input, limits)).slice(0, 20);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/** The texts of `inputs`. @throws InvalidArgumentError naming every input that is not a non-blank text */
export function textsOf(inputs: readonly Input[], why: string): string[] {
  const problems: string[] = [];
  const texts = inputs.map((input, i) => {
    const kind = input.kind;
    if (kind?.$case !== 'text') problems.push(`input ${i}: ${why}, got ${kind?.$case ?? 'nothing'}`);
    else if (kind.value.trim() === '') problems.push(`input ${i}: text is empty`);
    return kind?.$case === 'text' ? kind.value : '';
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return texts;
}

/** A checked model reference. @throws InvalidArgumentError for a missing or malformed one */
export function checkModelRef(ref: ModelRef | undefined): { modelId: string; version: number } {
  if (ref === undefined || ref.modelId === '')
    throw new InvalidArgumentError('model is required (model_id, and version 0 for the promoted version)');
  const problem = modelIdProblem(ref.modelId);
  if (problem !== undefined) throw new InvalidArgumentError(`model: ${problem}`);
  const version = Number(ref.version);
  if (!(Number.isSafeInteger(version) && version >= 0))
    throw new InvalidArgumentError(`model.version must be 0 (promoted) or a version number, got ${String(ref.version)}`);
  return { modelId: ref.modelId, version };
}
