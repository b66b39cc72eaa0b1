import type { Executor } from '@mneme/execution';
import { strategyCapabilities, strategyFactory, type DistillPort, type MemoryPort, type Strategy } from '@mneme/methods';
import type { ModelRecord } from '@mneme/model-store';
import { classifierOf, defineModel, type ModelDefinition } from '@mneme/streaming';
import { InputFeaturizer } from './input-featurizer.js';
import { LoggedTokens, serviceTextInputs } from './logged-tokens.js';

/** A model made runnable: its definition, input featurizer and a fresh strategy. */
export interface ModelRuntime {
  readonly record: ModelRecord;
  readonly definition: ModelDefinition;
  readonly featurizer: InputFeaturizer;
  /** Built with the declared labels as its classes; a restored version brings its own. */
  readonly strategy: Strategy;
  /**
   * For a token-level strategy (`inputs: 'tokens'`: l2p and the prefix-prompt methods) on a text model: the token ids of the samples the trainer's loop
   * read, which the strategy looks its batches up in (its predictions take `PredictOptions.tokens`).
   * Undefined for every other model.
   */
  readonly tokens?: LoggedTokens;
}

/** Where a trainer's strategies reach other services; absent ports run in-process. */
export interface StrategyPorts {
  readonly distiller?: DistillPort;
  /** Where kept samples live (the trainer binds the replay-memory service). */
  readonly memory?: MemoryPort;
}

/**
 * Builds a model's strategy as the trainer, evaluator and encoder all build it: the same record
 * gives the same untrained state (seeded), so a saved version restores into it exactly.
 */
export async function buildModelRuntime(
  record: ModelRecord,
  executor: Executor,
  modelsDir: string,
  ports: StrategyPorts = {},
): Promise<ModelRuntime> {
  const definition = defineModel(record.base, record.strategy.options);
  const featurizer = await InputFeaturizer.create(definition.input, executor, modelsDir);
  const factory = strategyFactory(record.strategy.name);
  // Only token-level strategies (`inputs: 'tokens'`) on text models see text inputs: the others stay feature-level.
  const tokens =
    strategyCapabilities(record.strategy.name).inputs === 'tokens' && featurizer.encoder !== undefined ? new LoggedTokens() : undefined;
  const strategy = factory({
    executor,
    // Batch ids are log positions: the trainer fills `tokens` as its loop reads the log.
    ...(tokens === undefined ? {} : { text: serviceTextInputs(featurizer.encoder!, (ids) => tokens.tokensOf(ids)) }),
    classifier: classifierOf(definition, featurizer.width, record.labels.length),
    optimizer: definition.settings.optimizer,
    learningRate: definition.settings.learningRate,
    batchSize: definition.settings.batchSize,
    epochs: definition.settings.epochs,
    seed: record.seed,
    options: definition.strategyOptions,
    ...(ports.distiller === undefined ? {} : { distiller: ports.distiller }),
    ...(ports.memory === undefined ? {} : { memory: ports.memory }),
  });
  return { record, definition, featurizer, strategy, ...(tokens === undefined ? {} : { tokens }) };
}
