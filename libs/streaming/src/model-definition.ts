import { InvalidArgumentError } from '@mneme/errors';
import type { OptimizerSpec } from '@mneme/execution';
import type { ClassifierSpec } from '@mneme/methods';

/** How a model's inputs become feature rows: given directly, or embedded by a frozen text encoder. */
export type InputKind = { readonly kind: 'features'; readonly size: number } | { readonly kind: 'text'; readonly encoder: string };

/** Optimisation settings of a streamed model (the stream is online: each sample is learned once). */
export interface StreamSettings {
  /** Samples per learn step. */
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: OptimizerSpec;
  /** Passes of strategies that train offline at an experience's end (joint, curriculum, active, SetFit adapters). @default 1 */
  readonly epochs: number;
}

/** What a model record resolves to: how to read inputs, what to train, and with what settings. */
export interface ModelDefinition {
  readonly input: InputKind;
  /** Hidden widths of the trained MLP (`[]`: a linear head on the features). */
  readonly hidden: readonly number[];
  readonly settings: StreamSettings;
  /** Options for the strategy itself (training keys removed). */
  readonly strategyOptions: Readonly<Record<string, string>>;
}

/** Option keys the loop reads; every other option goes to the strategy. */
export const TRAINING_OPTION_KEYS = ['batch-size', 'lr', 'optimizer', 'epochs'] as const;

const MLP_BASE = /^mlp:(\d+)((?:-\d+)*)$/;

/** Bounds of an `mlp:` base a caller may ask for: checked before anything is allocated. */
export const MLP_LIMITS = Object.freeze({ width: 65_536, layers: 16, weights: 100_000_000 });

/** Problems with the widths of an `mlp:` base (the output layer grows with labels, so it is not counted). */
function mlpSizeProblems(base: string, widths: readonly number[]): string[] {
  const problems: string[] = [];
  const bad = widths.find((w) => !(Number.isInteger(w) && w >= 1 && w <= MLP_LIMITS.width));
  if (bad !== undefined) problems.push(`base '${base}': layer widths must be whole numbers in 1..${MLP_LIMITS.width}, got ${bad}`);
  if (widths.length > MLP_LIMITS.layers) problems.push(`base '${base}': at most ${MLP_LIMITS.layers} layers, got ${widths.length}`);
  const weights = widths.slice(1).reduce((n, w, i) => n + w * widths[i]!, 0);
  if (weights > MLP_LIMITS.weights)
    problems.push(`base '${base}': the layers would hold ${weights} weights; the limit is ${MLP_LIMITS.weights}`);
  return problems;
}

/**
 * Resolves a model's base and options. Bases: `mlp:<in>-<hidden>...` (features of width `in`, an
 * MLP with those hidden widths; the defaults of Split-MNIST: batch 10, SGD at lr 0.1) or an encoder
 * name from the model store (text embedded by the frozen encoder, a linear head; the defaults of
 * CLINC150: batch 32, Adam at lr 1e-3). Options `batch-size`, `lr`, `optimizer` (sgd, adam, adamw)
 * and `epochs` (passes of strategies that train offline at an experience's end) override the defaults. Every problem is reported at once.
 */
export function defineModel(base: string, options: Readonly<Record<string, string>>): ModelDefinition {
  const problems: string[] = [];
  const mlp = MLP_BASE.exec(base);
  let input: InputKind;
  let hidden: number[] = [];
  if (mlp !== null) {
    input = { kind: 'features', size: Number(mlp[1]) };
    hidden = (mlp[2] ?? '')
      .split('-')
      .filter((w) => w !== '')
      .map(Number);
    problems.push(...mlpSizeProblems(base, [input.size, ...hidden]));
  } else if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(base)) {
    input = { kind: 'text', encoder: base };
  } else {
    problems.push(`base '${base}' is neither 'mlp:<inputs>-<hidden>...' nor an encoder name such as 'all-MiniLM-L6-v2'`);
    input = { kind: 'features', size: 1 };
  }
  const defaults: StreamSettings =
    input.kind === 'features'
      ? { batchSize: 10, learningRate: 0.1, optimizer: { kind: 'sgd' }, epochs: 1 }
      : { batchSize: 32, learningRate: 1e-3, optimizer: { kind: 'adam' }, epochs: 1 };
  const batchSize = readNumber(
    options,
    'batch-size',
    defaults.batchSize,
    problems,
    (v) => Number.isInteger(v) && v >= 1 && v <= 4096,
    'an integer in [1, 4096]',
  );
  const epochs = readNumber(
    options,
    'epochs',
    defaults.epochs,
    problems,
    (v) => Number.isInteger(v) && v >= 1 && v <= 1000,
    'an integer in [1, 1000]',
  );
  const learningRate = readNumber(options, 'lr', defaults.learningRate, problems, (v) => v > 0 && v < 100, 'a number in (0, 100)');
  const optimizerName = options['optimizer'] ?? defaults.optimizer.kind;
  if (!['sgd', 'adam', 'adamw'].includes(optimizerName))
    problems.push(`option optimizer must be sgd, adam or adamw, got '${optimizerName}'`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  const strategyOptions = Object.fromEntries(
    Object.entries(options).filter(([k]) => !(TRAINING_OPTION_KEYS as readonly string[]).includes(k)),
  );
  return {
    input,
    hidden,
    settings: { batchSize, learningRate, optimizer: { kind: optimizerName as 'sgd' | 'adam' | 'adamw' }, epochs },
    strategyOptions,
  };
}

/** The classifier a definition trains, once the input width is known (text: the encoder's width). */
export function classifierOf(definition: ModelDefinition, inputSize: number, classes: number): ClassifierSpec {
  return { inputSize, hidden: definition.hidden, classes };
}

function readNumber(
  options: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
  problems: string[],
  valid: (v: number) => boolean,
  expected: string,
): number {
  const raw = options[key];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !valid(value)) {
    problems.push(`option ${key} must be ${expected}, got '${raw}'`);
    return fallback;
  }
  return value;
}
