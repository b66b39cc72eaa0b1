import { RUN_REPORT_SCHEMA } from './run-report.js';

/** A fraction, or null where the value does not exist for the run. */
const fraction = { type: ['number', 'null'] } as const;
const metric = {
  type: 'object',
  required: ['mean', 'std'],
  properties: { mean: fraction, std: fraction, definition: { type: 'string' } },
} as const;
const matrix = { type: 'array', items: { type: 'array', items: fraction } } as const;

/**
 * The JSON Schema (draft-07) of run reports, version 1 (`schema: "mneme.run-report/1"`): what a
 * reader may rely on. `mneme report` validates every input against it (after upgrading reports
 * written before the schema existed) and names the first field that does not fit.
 */
export const RUN_REPORT_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mneme.dev/schemas/run-report-1.json',
  title: 'mneme run report, version 1',
  type: 'object',
  required: [
    'schema',
    'command',
    'created_at',
    'mneme_version',
    'commit',
    'benchmark',
    'strategy',
    'scenario',
    'class_names',
    'settings',
    'options',
    'summary',
    'seeds',
    'environment',
  ],
  properties: {
    schema: { const: RUN_REPORT_SCHEMA },
    command: { enum: ['mneme run', 'mneme up'] },
    created_at: { type: 'string' },
    mneme_version: { type: 'string' },
    commit: { type: ['string', 'null'] },
    benchmark: { type: 'string', minLength: 1 },
    strategy: { type: 'string', minLength: 1 },
    scenario: { type: 'string' },
    class_names: { type: 'array', items: { type: 'string' } },
    settings: { type: 'object' },
    options: { type: 'object', additionalProperties: { type: 'string' } },
    strategy_defaults: { type: 'object' },
    summary: {
      type: 'object',
      required: ['acc', 'bwt', 'fwt', 'forgetting'],
      properties: { acc: metric, bwt: metric, fwt: metric, forgetting: metric },
    },
    seeds: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['seed', 'matrix', 'random_init', 'acc', 'bwt', 'fwt', 'forgetting', 'experience_classes', 'wall_s'],
        properties: {
          seed: { type: 'integer', minimum: 0 },
          matrix: { ...matrix, minItems: 1 },
          random_init: { type: 'array', items: fraction },
          acc: fraction,
          bwt: fraction,
          fwt: fraction,
          forgetting: fraction,
          experience_classes: { type: 'array', items: { type: 'array', items: { type: 'integer', minimum: 0 } } },
          class_accuracy: matrix,
          wall_s: { type: ['number', 'null'] },
          choices: { type: 'object' },
        },
      },
    },
    environment: {
      type: 'object',
      required: ['transport', 'device', 'wall_s', 'peak_rss_mb'],
      properties: {
        transport: { enum: ['library', 'in-process', 'kafka'] },
        device: { type: ['string', 'null'] },
        wall_s: { type: ['number', 'null'] },
        peak_rss_mb: { type: ['number', 'null'] },
        samples: { type: 'number' },
        samples_per_s: { type: 'number' },
      },
    },
    services: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['total', 'methods', 'outcomes'],
        properties: { total: { type: 'number' }, methods: { type: 'object' }, outcomes: { type: 'object' } },
      },
    },
  },
} as const;
