import { classIncremental, loadClinc150, loadTextSet, taskIncremental, textDataset } from '@mneme/data';
import { InvalidArgumentError } from '@mneme/errors';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark, BuildOptions, BuiltBenchmark, StrategyDefaults } from './benchmark.js';
import { planScenario } from './plan.js';
import { datasetFeatures, encoderStore, featureDataset } from './text-features.js';
import { textInputs } from './text-inputs.js';

const TEXT_DEFAULTS = { batchSize: 32, epochs: 3, learningRate: 1e-3, optimizer: { kind: 'adam' as const }, hidden: [], jointEpochs: 3 };

/**
 * Per-strategy defaults of the text benchmarks, each chosen on CLINC150's validation parts
 * (`clinc150-val`, never test; ACC = final average accuracy), as recorded in the results folder.
 * Strategies not listed keep the benchmark's and their own defaults (naive's validated learning
 * rate is the benchmark's 1e-3).
 */
export const CLINC150_STRATEGY_DEFAULTS: Readonly<Record<string, StrategyDefaults>> = Object.freeze({
  // Validation ACC at lr 1e-3/3e-3/1e-2/3e-2 (heads growing with the labels): ER 79.5/85.0/87.3/86.1,
  // MIR 65.1/85.9/89.3/86.7; the earlier full-head protocol chose the same (results/clinc150-replay-lr-val-sweep.json).
  er: {
    settings: { learningRate: 0.01 },
    chosenOn: 'clinc150-val, seeds 0-1, ACC, lr 1e-3..3e-2 (results/clinc150-val-sweeps/er-lr*.json)',
  },
  mir: {
    settings: { learningRate: 0.01 },
    chosenOn: 'clinc150-val, seeds 0-1, ACC, lr 1e-3..3e-2 (results/clinc150-val-sweeps/mir-lr*.json)',
  },
  // Validation ACC: rows=mean 91.8 vs trained rows 87.7 (s=8), 85.1 (s=16).
  'expanding-head': {
    options: { rows: 'mean' },
    chosenOn: 'clinc150-val, seeds 0-1, ACC (results/clinc150-val-sweeps/expanding-head-*.json)',
  },
  // Validation ACC: s=8 91.5 vs s=4 89.3, s=16 90.6.
  adapter: {
    options: { scale: '8' },
    chosenOn: 'clinc150-val, seeds 0-1, ACC (results/clinc150-val-sweeps/adapter-scale*.json)',
  },
  // Validation ACC at lambda 1 (pure kNN): temperature 0.02/0.05/0.1 gave 89.3/90.0/90.8.
  knn: {
    options: { temperature: '0.1' },
    chosenOn: 'clinc150-val, seed 0, ACC, at lambda 1 (results/clinc150-knn-head-val-sweep.json)',
  },
  // Validation ACC: lambda 0.25, temperature 0.1 gave 91.1, the best of the lambda × temperature grid.
  'knn-head': {
    options: { lambda: '0.25', temperature: '0.1' },
    chosenOn: 'clinc150-val, seed 0, ACC (results/clinc150-knn-head-val-sweep.json)',
  },
  // Validation ACC (seed 0, 1 epoch; ranpac 95.37): the G-prompt alone in layers 3–5, trained in the
  // first experience only, under the ridge head 95.50 (layers 0–5: 95.40); E-prompts in layers 3–5
  // with the ridge head 94.63 (beside the frozen features 92.33), with a trained cosine head lower.
  'dual-prompt': {
    options: { gStart: '3', gEnd: '6', eStart: '6', eEnd: '6', shared: 'first', head: 'ridge' },
    chosenOn: 'clinc150-val, seed 0, ACC (results/step5/val-sweep.md)',
  },
  // Validation ACC (seed 0, 1 epoch): the ridge head on prompts pooled over the input tokens 93.6
  // (forgetting 3.3); the cosine head with the same pooling 80.1, L2P's linear head and sentence pooling lower.
  l2p: {
    options: { head: 'ridge', pooling: 'input' },
    chosenOn: 'clinc150-val, seed 0, ACC (results/step5/val-sweep.md)',
  },
  // Validation ACC (the growing-head protocol): pacing none 58.8, linear 52.8 (lr 1e-2: 58.0), random order 58.4; naive 58.6.
  curriculum: {
    options: { pacing: 'none' },
    chosenOn: 'clinc150-val, seeds 0-1, ACC (results/clinc150-val-sweeps/)',
  },
});

/** Which CLINC150 protocol a benchmark variant runs. */
interface Clinc150Variant {
  readonly name: string;
  readonly description: string;
  /** Class-incremental (no task id at test time) or task-incremental (task id given). */
  readonly scenario: 'class' | 'task';
  /** The part each experience is evaluated on: `validation` for tuning, `test` for reporting. */
  readonly evaluateOn: 'test' | 'validation';
}

/** CLINC150 on frozen features: the same experiences in every variant, only the protocol differs. */
function clinc150(variant: Clinc150Variant): Benchmark {
  return {
    name: variant.name,
    description: variant.description,
    defaults: TEXT_DEFAULTS,
    strategyDefaults: CLINC150_STRATEGY_DEFAULTS,
    async build(options: BuildOptions): Promise<BuiltBenchmark> {
      const { set, domains } = await loadClinc150(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
      const store = await encoderStore(options.encoderDir);
      const features = await datasetFeatures(options.executor, store, set.texts, (l) => process.stderr.write(`clinc150: ${l}\n`));
      const dataset = featureDataset(textDataset('clinc150', set), features, store.manifest.dimension);
      const split = { seed: options.seed, experiences: 15, classOrder: Object.values(domains).flat() };
      const scenario = variant.scenario === 'task' ? taskIncremental(dataset, split) : classIncremental(dataset, split);
      const evaluateOn = options.evaluateOn ?? variant.evaluateOn;
      return {
        plan: planScenario(scenario, options.settings.batchSize, evaluateOn),
        classifier: { inputSize: store.manifest.dimension, hidden: options.settings.hidden, classes: scenario.classes.length },
        classNames: scenario.classes,
        kind: evaluateOn === 'validation' ? `${scenario.kind} (validation parts)` : scenario.kind,
        text: textInputs(store, set.texts, features, store.manifest.dimension),
        texts: set.texts,
      };
    },
  };
}

/**
 * CLINC150 class-incremental (Larson et al. 2019): 15 experiences of 10 intents, in the data's
 * domain order, on the frozen default encoder's sentence embeddings (all-MiniLM-L6-v2, mean-pooled,
 * normalised) with a linear head; 100 training and 30 test utterances per intent.
 */
export const clinc150Benchmark: Benchmark = clinc150({
  name: 'clinc150',
  description:
    'CLINC150 class-incremental: 15 × 10 intents by domain, frozen all-MiniLM-L6-v2 features, linear head, Adam 1e-3, batch 32, 3 epochs per experience',
  scenario: 'class',
  evaluateOn: 'test',
});

/**
 * CLINC150 task-incremental: the experiences of {@link clinc150Benchmark}, but the task id (the
 * experience index) comes with every training batch and every test sample.
 */
export const clinc150TaskBenchmark: Benchmark = clinc150({
  name: 'clinc150-task',
  description: 'CLINC150 task-incremental: as clinc150, with the task id given at training and test time',
  scenario: 'task',
  evaluateOn: 'test',
});

/**
 * CLINC150 class-incremental evaluated on the validation parts (20 utterances per intent), for
 * tuning settings without looking at the test set; report results on `clinc150`.
 */
export const clinc150ValidationBenchmark: Benchmark = clinc150({
  name: 'clinc150-val',
  description: 'CLINC150 class-incremental evaluated on the validation parts (for tuning; report on clinc150)',
  scenario: 'class',
  evaluateOn: 'validation',
});

/** The folder's entries; a missing folder is the caller's mistake, said in one line. */
async function listFolder(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InvalidArgumentError(`--data ${folder}: no such folder; give the folder that holds the data set's .jsonl or .csv files`);
    throw err;
  }
}

/**
 * Refuses a set that cannot give an honest result: no test rows (every score would be over nothing)
 * or fewer than two classes (nothing to tell apart).
 */
function checkEvaluable(
  set: { readonly labels: readonly string[]; readonly splits: readonly string[] },
  folder: string,
  evaluateOn: 'test' | 'validation',
): void {
  const problems: string[] = [];
  if (evaluateOn === 'validation' && !set.splits.includes('validation')) {
    problems.push(
      `--tune scores on validation rows, and ${folder} has none: give rows a \`split\` of validation (or add a val.csv / dev.jsonl file), or run without --tune`,
    );
  }
  if (!set.splits.includes('test')) {
    problems.push(
      `${folder} has no test rows: give rows a \`split\` field or column (train, validation or test), or name the files by split (train.csv, val.csv, test.csv)`,
    );
  }
  const classes = new Set(set.labels).size;
  if (classes < 2) problems.push(`${folder} has ${classes} class${classes === 1 ? '' : 'es'}; continual classification needs at least 2`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/**
 * Any folder of JSONL or CSV files (`text`, `label`, optional `split`; rows without one take the split their file's name says, e.g. `test.csv`, else train):
 * classes split evenly into `--experiences` experiences in a seeded order, on the frozen default
 * encoder's features with a linear head — so users can run their own data.
 */
export const textBenchmark: Benchmark = {
  name: 'text',
  description: 'Generic class-incremental text benchmark over a folder of JSONL/CSV files (--data <dir> --experiences N)',
  defaults: TEXT_DEFAULTS,
  // Chosen on CLINC150's validation parts: the best values known for a frozen-encoder text task.
  strategyDefaults: CLINC150_STRATEGY_DEFAULTS,
  async build(options: BuildOptions): Promise<BuiltBenchmark> {
    if (options.textData === undefined) throw new InvalidArgumentError('the text benchmark needs --data <folder of .jsonl or .csv files>');
    const experiences = options.experiences ?? 5;
    const files = (await listFolder(options.textData)).filter((f) => /\.(jsonl|ndjson|csv)$/i.test(f)).sort();
    if (files.length === 0) throw new InvalidArgumentError(`${options.textData} holds no .jsonl or .csv files`);
    const set = await loadTextSet(files.map((f) => join(options.textData!, f)));
    const evaluateOn = options.evaluateOn ?? 'test';
    checkEvaluable(set, options.textData, evaluateOn);
    const store = await encoderStore(options.encoderDir);
    const features = await datasetFeatures(options.executor, store, set.texts, (l) => process.stderr.write(`text: ${l}\n`));
    const dataset = featureDataset(textDataset('text', set), features, store.manifest.dimension);
    const scenario = classIncremental(dataset, { seed: options.seed, experiences });
    return {
      plan: planScenario(scenario, options.settings.batchSize, evaluateOn),
      classifier: { inputSize: store.manifest.dimension, hidden: options.settings.hidden, classes: scenario.classes.length },
      classNames: scenario.classes,
      kind: evaluateOn === 'validation' ? `${scenario.kind} (validation parts)` : scenario.kind,
      text: textInputs(store, set.texts, features, store.manifest.dimension),
      texts: set.texts,
    };
  },
};
