import { InvalidArgumentError } from '@mneme/errors';
import { Rng } from '@mneme/random';
import type { Dataset } from './dataset.js';
import { checkSeed, checkSizes, type ExperienceSizes, experienceParts } from './experience-parts.js';
import { assembleScenario, type Experience, type Scenario } from './scenario.js';

/** Options of {@link domainIncremental}. */
export interface DomainIncrementalOptions extends ExperienceSizes {
  /** Seed of the sample draws and training order. */
  readonly seed: number;
}

/**
 * Domain-incremental scenario: experience `i` is drawn from `domains[i]`; every experience holds
 * every class (the task stays the same, the input distribution moves), so the classes of all
 * domains must be identical. Evaluation views carry no task id.
 */
export function domainIncremental<X>(domains: readonly Dataset<X>[], options: DomainIncrementalOptions): Scenario<X, 'domain-incremental'> {
  checkSizes(options);
  checkSeed(options.seed);
  const first = domains[0];
  if (first === undefined) throw new InvalidArgumentError('domainIncremental needs at least one domain');
  const problems = domains
    .filter((domain) => domain.classes.length !== first.classes.length || domain.classes.some((name, k) => first.classes[k] !== name))
    .map((domain) => `domain ${domain.name} has classes [${domain.classes.join(', ')}], not those of ${first.name}`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);

  const rng = Rng.seeded(options.seed);
  const all = Object.freeze(first.classes.map((_, k) => k));
  const experiences = domains.map((domain, index): Experience<X, 'domain-incremental'> => {
    const parts = experienceParts(domain, index, all, options, rng.fork(), problems);
    return Object.freeze({ index, classes: all, ...parts });
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return assembleScenario('domain-incremental', first, options.seed, experiences);
}
