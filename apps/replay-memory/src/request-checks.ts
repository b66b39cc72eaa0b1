import { limitProblem } from '@mneme/config';
import type { AddSamplesRequest, RetrieveInterferedRequest, SampleMemoryRequest } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import {
  countProblems,
  experienceIndexProblems,
  featureVectorProblems,
  idListProblems,
  labelLimitProblem,
  labelNameProblem,
  sampleBoundProblems,
  type ServiceLimits,
} from '@mneme/service-runtime';

// The first problems are enough to fix a request; a list of 10,000 would only be cut.
const SHOWN_PROBLEMS = 20;

/**
 * Bounds an AddSamples request at the door, before the memory or its journal sees it: sample and id
 * counts, each sample's id, metadata, text, experience index and label, float32 vectors (float64 is
 * refused, not narrowed), and the labels the memory would then know. (Replaying a journal does not
 * come through here, so what older versions stored still loads.)
 *
 * @throws InvalidArgumentError naming the first problems
 */
export function checkAddSamples(
  req: AddSamplesRequest,
  limits: ServiceLimits,
  known: { has(label: string): boolean; readonly size: number },
): void {
  const problems: string[] = [];
  if (req.samples.length === 0 && req.removeIds.length === 0)
    problems.push('samples and remove_ids are both empty: send samples to store or ids to remove');
  if (req.samples.length > 0) problems.push(...countProblems('samples', req.samples.length, 'maxSamplesPerRequest', limits));
  if (req.removeIds.length > 0) problems.push(...idListProblems('remove_ids', req.removeIds, limits));
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  for (const [i, s] of req.samples.entries()) {
    const what = `samples[${i}]`;
    problems.push(...sampleBoundProblems(`${what}.sample`, s.sample, limits));
    problems.push(...experienceIndexProblems(`${what}.experience_index`, s.experienceIndex, limits));
    // An empty label is the memory's own check (it reports it with the rows' problems).
    const label = s.sample?.label ? labelNameProblem(s.sample.label) : undefined;
    if (label !== undefined) problems.push(`${what}.sample: ${label}`);
    if (s.features !== undefined) problems.push(...featureVectorProblems(`${what}.features`, s.features, limits));
    else if (s.sample?.input?.kind?.$case === 'features')
      problems.push(...featureVectorProblems(`${what}.sample.input.features`, s.sample.input.kind.value, limits));
    if (problems.length >= SHOWN_PROBLEMS) break;
  }
  if (problems.length === 0) {
    const over = labelLimitProblem(
      known,
      req.samples.map((s) => s.sample?.label ?? ''),
      limits.maxLabels,
    );
    if (over !== undefined) problems.push(over);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, SHOWN_PROBLEMS));
}

/** Bounds a SampleMemory request: the draw and the excluded labels. @throws InvalidArgumentError */
export function checkSampleMemory(req: SampleMemoryRequest, limits: ServiceLimits): void {
  const problems = [
    limitProblem('count', req.count, 'maxSamplesPerRequest', limits),
    limitProblem('the number of exclude_labels', req.excludeLabels.length, 'maxIdsPerRequest', limits),
  ].filter((p) => p !== undefined);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/** Bounds a RetrieveInterfered request: the incoming batch, the candidates and the parameters sent. @throws InvalidArgumentError */
export function checkRetrieveInterfered(req: RetrieveInterferedRequest, limits: ServiceLimits): void {
  const problems = [
    limitProblem('the number of incoming samples', req.incoming.length, 'maxSamplesPerRequest', limits),
    limitProblem('candidates', req.candidates, 'maxSamplesPerRequest', limits),
    limitProblem('top_k', req.topK, 'maxSamplesPerRequest', limits),
  ].filter((p) => p !== undefined);
  for (const [i, s] of req.incoming.entries()) {
    problems.push(...sampleBoundProblems(`incoming[${i}]`, s, limits));
    if (problems.length >= SHOWN_PROBLEMS) break;
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, SHOWN_PROBLEMS));
}
