import type { RetrieveInterferedRequest, MemorySample as WireMemorySample } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { ParameterStore, type Executor } from '@mneme/execution';
import { interferenceRunner, mostInterfered } from '@mneme/methods';
import { CLASSIFIER_IO } from '@mneme/models';
import { fromWire } from '@mneme/wire';
import type { ResolvedClassifier } from '@mneme/service-runtime';
import { aligned, sampleProblems, sampleRow } from '@mneme/service-runtime';
import type { ModelMemory } from './model-memory.js';

/** MIR's defaults when the request leaves them 0 (the paper's Split-MNIST setting). */
export const RETRIEVE_DEFAULTS = Object.freeze({ candidates: 50, topK: 10 });

/** The top-k interfered candidates, most interfered first, with their interference. */
export interface Retrieved {
  readonly samples: readonly WireMemorySample[];
  readonly interference: readonly number[];
}

/**
 * Maximally Interfered Retrieval (Aljundi et al. 2019) over a model's memory: C random candidates
 * not of the incoming batch's labels, scored by the `mir` strategy's own scoring
 * (`mostInterfered` of libs/methods: a virtual SGD step, loss after minus loss before).
 *
 * @throws InvalidArgumentError listing every problem with the request
 */
export async function retrieveInterfered(
  executor: Executor,
  classifier: ResolvedClassifier,
  memory: ModelMemory,
  req: RetrieveInterferedRequest,
): Promise<Retrieved> {
  const candidates = req.candidates === 0 ? RETRIEVE_DEFAULTS.candidates : req.candidates;
  const topK = req.topK === 0 ? RETRIEVE_DEFAULTS.topK : req.topK;
  const width = inputWidth(classifier);
  const problems: string[] = [];
  if (!(Number.isFinite(req.learningRate) && req.learningRate > 0))
    problems.push(`learning_rate must be a positive finite number, got ${req.learningRate}`);
  if (topK > candidates) problems.push(`top_k (${topK}) must not exceed candidates (${candidates})`);
  if (req.incoming.length === 0) problems.push('incoming is empty: send the batch the virtual step trains on');
  if (memory.inputSize !== undefined && memory.inputSize !== width)
    problems.push(`the memory holds rows of ${memory.inputSize} values but the model takes ${width}`);
  const rows = new Float32Array(req.incoming.length * width);
  const labels = new Int32Array(req.incoming.length);
  req.incoming.forEach((sample, i) => {
    const what = `incoming[${i}]`;
    problems.push(...sampleProblems(sample, what));
    const label = classifier.labels.indexOf(sample.label);
    if (sample.label !== '' && label < 0)
      problems.push(
        `${what}.label '${sample.label}' is not one of the model's ${classifier.labels.length} labels (${classifier.labels.join(', ')})`,
      );
    labels[i] = Math.max(label, 0);
    try {
      const row = sampleRow(sample, what);
      if (row.length === width) rows.set(row, i * width);
      else problems.push(`${what} has ${row.length} feature values but the model takes ${width}`);
    } catch (err) {
      problems.push(MnemeError.from(err).message);
    }
  });
  const store = overriddenStore(classifier.params, req.parameters, problems);
  if (problems.length > 0) throw new InvalidArgumentError(problems);

  const excluded = new Set(req.incoming.map((s) => s.label));
  const known = new Set(classifier.labels);
  const pool = memory.draw(candidates, req.seed % 2 ** 32, (label) => known.has(label) && !excluded.has(label));
  if (pool.samples.length === 0) return { samples: [], interference: [] };
  const poolLabels = Int32Array.from(pool.labels, (l) => classifier.labels.indexOf(l));
  // A fresh runner per call: the parameters may differ per request and the runner reads its store.
  const runner = interferenceRunner(executor, classifier.model, store);
  const { chosen, scores } = await mostInterfered(
    runner,
    width,
    { features: rows, labels },
    { features: pool.rows, labels: poolLabels },
    req.learningRate,
    topK,
  );
  return { samples: chosen.map((c) => pool.samples[c]!), interference: scores };
}

/** Width of the classifier's input rows (`x` is `[batch, width]`). */
function inputWidth(classifier: ResolvedClassifier): number {
  const x = classifier.model.graph.inputs.find((i) => i.name === CLASSIFIER_IO.input);
  const width = x?.shape?.[1];
  if (typeof width !== 'number')
    throw new MnemeError('failed-precondition', `the model's graph has no input '${CLASSIFIER_IO.input}' of shape [batch, width]`);
  return width;
}

/** The version's parameters with the request's overrides (same names and shapes only). */
function overriddenStore(params: ParameterStore, overrides: RetrieveInterferedRequest['parameters'], problems: string[]): ParameterStore {
  const store = new ParameterStore();
  for (const name of params.names()) store.set(name, params.get(name));
  for (const [name, wire] of Object.entries(overrides)) {
    if (!params.has(name)) {
      problems.push(`parameters['${name}'] is not a parameter of the model (it has ${params.names().join(', ')})`);
      continue;
    }
    try {
      store.set(
        name,
        fromWire(aligned(wire), { what: `parameters['${name}']`, expectDtype: 'float32', expectShape: params.get(name).shape }),
      );
    } catch (err) {
      problems.push(MnemeError.from(err).message);
    }
  }
  return store;
}
