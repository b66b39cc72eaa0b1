/**
 * CLINC150 as the text benchmarks' tools use it: an ONNX Runtime executor, the texts with their
 * intent index in domain order (15 experiences of 10), the frozen encoder's sentence features
 * (cached on disk) and the token-level view of them.
 */
import { datasetFeatures, encoderStore, textInputs } from '@mneme/benchmarks';
import { loadClinc150 } from '@mneme/data';
import { createExecutor, Engine } from '@mneme/engine';

/** Loads CLINC150 and embeds it with the default encoder on `threads` intra-op threads. */
export async function clinc150Text(threads: number, log: (line: string) => void) {
  const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: threads, allowSpinning: false }));
  const { set, domains } = await loadClinc150();
  const store = await encoderStore();
  const D = store.manifest.dimension;
  const features = await datasetFeatures(executor, store, set.texts, log);
  const text = textInputs(store, set.texts, features, D);
  const intents = Object.values(domains).flat();
  const intentIndex = new Map(intents.map((name, i) => [name, i]));
  /** Each text's intent index (domain order). */
  const labelOf = set.labels.map((l) => intentIndex.get(l)!);
  return { executor, set, store, D, features, text, intents, labelOf };
}
