import type { Executor } from '@mneme/execution';
import { InvalidArgumentError } from '@mneme/errors';
import { strategyFactory, type DistillPort, type MemoryPort, type Strategy } from '@mneme/methods';
import type { ModelRecord } from '@mneme/model-store';
import { classifierOf, defineModel, type ModelDefinition } from '@mneme/streaming';
import { InputFeaturizer } from './input-featurizer.js';

/** A model made runnable: its definition, input featurizer and a fresh strategy. */
export interface ModelRuntime {
  readonly record: ModelRecord;
  readonly definition: ModelDefinition;
  readonly featurizer: InputFeaturizer;
  /** Built with the declared labels as its classes; a restored version brings its own. */
  readonly strategy: Strategy;
}

/** Where a trainer's strategies reach other services; absent ports run in-process. */
export interface StrategyPorts {
  readonly distiller?: DistillPort;
  /** Where kept samples live (the trainer binds the replay-memory service). */
  readonly memory?: MemoryPort;
}

/** Strategies that need token-level inputs when their model takes text, which the services do not stream yet. */
const TOKEN_LEVEL = new Set(['l2p']);

/**
 * Builds a model's strategy as the trainer, evaluator and encoder all build it: the same record
 * gives the same untrained state (seeded), so a saved version restores into it exactly.
 */
export async function buildModelRuntime(record: ModelRecord, executor: Executor, modelsDir: string, ports: StrategyPorts = {}): Promise<ModelRuntime> {
  const definition = defineModel(record.base, record.strategy.options);
  if (TOKEN_LEVEL.has(record.strategy.name) && definition.input.kind === 'text') {
    throw new InvalidArgumentError(`strategy '${record.strategy.name}' on a text model needs token-level text inputs, which the services do not stream yet; run it with \`mneme run\`, or on a feature model (base mlp:...)`);
  }
  const featurizer = await InputFeaturizer.create(definition.input, executor, modelsDir);
  const factory = strategyFactory(record.strategy.name);
  const strategy = factory({
    executor,
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
  return { record, definition, featurizer, strategy };
}
