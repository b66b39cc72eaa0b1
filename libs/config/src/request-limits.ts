import type { ConfigSchema, Infer } from './define-config.js';
import type { Field } from './field.js';
import { int } from './number-fields.js';

/** One limit on what a caller may ask for: its variable, default, largest allowed setting and meaning. */
export interface RequestLimitSpec {
  readonly env: string;
  readonly default: number;
  /** Largest value the variable may be set to (a limit past it would defeat its purpose). */
  readonly max: number;
  readonly doc: string;
}

/**
 * Every limit on the sizes a caller controls, in one table: services check requests against these
 * before they allocate anything, and a request over one gets INVALID_ARGUMENT naming the limit's
 * variable and value. The README's Limits table lists the same rows.
 */
export const REQUEST_LIMITS = {
  maxLabels: {
    env: 'MNEME_MAX_LABELS',
    default: 10_000,
    max: 1_000_000,
    doc: 'Most labels (classes) one model may learn; a sample or held-out set that would add more is refused.',
  },
  maxPoolFloats: {
    env: 'MNEME_MAX_POOL_FLOATS',
    default: 8_388_608,
    max: 536_870_912,
    doc: 'Most float32 values of one prompt pool (pool_size × prompt_length × hidden_size; 8Mi = 32 MiB, so that GetPool answers within the default 64 MiB message limit).',
  },
  maxMemoryCapacity: {
    env: 'MNEME_MAX_MEMORY_CAPACITY',
    default: 1_000_000,
    max: 100_000_000,
    doc: 'Largest capacity (samples) of one reservoir or class-balanced replay memory (a replica holds what its trainer sends).',
  },
  maxFeatureWidth: {
    env: 'MNEME_MAX_FEATURE_WIDTH',
    default: 65_536,
    max: 16_777_216,
    doc: 'Most values in one feature vector (a sample’s features, a query, a cached embedding).',
  },
  maxTextBytes: {
    env: 'MNEME_MAX_TEXT_BYTES',
    default: 65_536,
    max: 16_777_216,
    doc: 'Longest text input in UTF-8 bytes; it also bounds the tokens a text makes (each token is at least one byte).',
  },
  maxSamplesPerRequest: {
    env: 'MNEME_MAX_SAMPLES_PER_REQUEST',
    default: 10_000,
    max: 1_000_000,
    doc: 'Most samples (or rows, or drawn samples) in one request.',
  },
  maxIdsPerRequest: {
    env: 'MNEME_MAX_IDS_PER_REQUEST',
    default: 10_000,
    max: 1_000_000,
    doc: 'Most ids (sample ids to forget, delete or remove; labels to exclude) in one request.',
  },
  maxIdBytes: {
    env: 'MNEME_MAX_ID_BYTES',
    default: 256,
    max: 65_536,
    doc: 'Longest sample id or job id in UTF-8 bytes.',
  },
  maxMetadataBytes: {
    env: 'MNEME_MAX_METADATA_BYTES',
    default: 16_384,
    max: 16_777_216,
    doc: 'Most UTF-8 bytes of one sample’s metadata (keys and values together).',
  },
  maxExperienceIndex: {
    env: 'MNEME_MAX_EXPERIENCE_INDEX',
    default: 100_000,
    max: 4_294_967_295,
    doc: 'Largest experience index a sample or close may name.',
  },
  maxExperienceSamples: {
    env: 'MNEME_MAX_EXPERIENCE_SAMPLES',
    default: 10_000_000,
    max: Number.MAX_SAFE_INTEGER,
    doc: 'Largest sample count a CloseExperience may announce for one experience.',
  },
  maxDistillSteps: {
    env: 'MNEME_MAX_DISTILL_STEPS',
    default: 100_000,
    max: 100_000_000,
    doc: 'Most outer steps × inner steps × initialisations per step of one distillation run.',
  },
  maxSyntheticSamples: {
    env: 'MNEME_MAX_SYNTHETIC_SAMPLES',
    default: 100_000,
    max: 100_000_000,
    doc: 'Most synthetic samples one distillation run makes (samples per label × labels).',
  },
} as const satisfies Readonly<Record<string, RequestLimitSpec>>;

/** The name of one request limit. */
export type RequestLimitName = keyof typeof REQUEST_LIMITS;

/** Values of every request limit. */
export type RequestLimitValues = { readonly [K in RequestLimitName]: number };

/** The limits when none are configured (each row's default). */
export const DEFAULT_REQUEST_LIMITS: RequestLimitValues = Object.freeze(
  Object.fromEntries(Object.entries(REQUEST_LIMITS).map(([name, spec]) => [name, spec.default])) as Record<RequestLimitName, number>,
);

/** The config fields of the limits (spread into a service's schema, as `commonServiceConfig` does). */
export const requestLimitsConfig = Object.fromEntries(
  Object.entries(REQUEST_LIMITS).map(([name, spec]) => [
    name,
    int({ env: spec.env, default: spec.default, min: 1, max: spec.max, doc: spec.doc }),
  ]),
) as { readonly [K in RequestLimitName]: Field<number> } satisfies ConfigSchema;

/** The typed limits {@link requestLimitsConfig} loads. */
export type RequestLimitsConfig = Infer<typeof requestLimitsConfig>;

/**
 * The problem of a request over a limit, naming the limit, its value and its variable, or
 * undefined when `value` is within it.
 *
 * @example limitProblem('samples', 12000, 'maxSamplesPerRequest', limits)
 * // 'samples is 12000, over the limit of 10000 (MNEME_MAX_SAMPLES_PER_REQUEST)'
 */
export function limitProblem(what: string, value: number, name: RequestLimitName, limits: RequestLimitValues): string | undefined {
  const limit = limits[name];
  if (value <= limit) return undefined;
  return `${what} is ${value}, over the limit of ${limit} (${REQUEST_LIMITS[name].env})`;
}
