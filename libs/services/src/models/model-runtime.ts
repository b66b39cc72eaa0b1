import type { Executor } from '@mneme/execution';
import { InvalidArgumentError } from '@mneme/errors';
import { strategyFactory, type Strategy } from '@mneme/methods';
import type { ModelRecord } from '@mneme/model-store';
import { classifierOf, defineModel, type ModelDefinition } from '@mneme/streaming';
import { InputFeaturizer } from './input-featurizer.js';

/** A model made runnable: its definition, input featurizer and a fresh strategy. */
export interface ModelRuntime {
  readonly record: ModelRecord;
  readonly definition: ModelDefinition;
  readonly featurizer: InputFeaturizer;
  readonly strategy: Strategy;
  /** Class index of each label name. */
  readonly labelIndex: ReadonlyMap<string, number>;
}

/** Strategies that need token-level inputs, which the services do not stream yet. */
const TOKEN_LEVEL = new Set(['l2p']);

/**
 * Builds a model's strategy as the trainer, evaluator and encoder all build it: the same record
 * gives the same untrained state (seeded), so a saved version restores into it exactly.
 */
export async function buildModelRuntime(record: ModelRecord, executor: Executor, modelsDir: string): Promise<ModelRuntime> {
  if (TOKEN_LEVEL.has(record.strategy.name)) {
    throw new InvalidArgumentError(`strategy '${record.strategy.name}' needs token-level text inputs, which the services do not stream yet; run it with \`mneme run\``);
  }
  const definition = defineModel(record.base, record.strategy.options);
  const featurizer = await InputFeaturizer.create(definition.input, executor, modelsDir);
  const factory = strategyFactory(record.strategy.name);
  const strategy = factory({
    executor,
    classifier: classifierOf(definition, featurizer.width, record.labels.length),
    optimizer: definition.settings.optimizer,
    learningRate: definition.settings.learningRate,
    batchSize: definition.settings.batchSize,
    epochs: 1,
    seed: record.seed,
    options: definition.strategyOptions,
  });
  return { record, definition, featurizer, strategy, labelIndex: new Map(record.labels.map((l, i) => [l, i])) };
}
