import type { DistillationSpec, SyntheticSet } from '@mneme/contracts';
import type { DistilledSet } from '@mneme/methods';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';

/** Provenance stored in a distilled set's `spec`: the model, label names and the proto spec. */
export interface SetProvenance {
  readonly modelId: string;
  readonly labelNames: readonly string[];
  readonly spec: DistillationSpec;
  readonly network: string;
}

/** The JSON-safe `spec` of a distilled set carrying {@link SetProvenance}. */
export function provenanceSpec(p: SetProvenance): Record<string, string | number | boolean> {
  return { modelId: p.modelId, network: p.network, labelNames: JSON.stringify(p.labelNames), spec: JSON.stringify(p.spec) };
}

/** A stored set as the wire SyntheticSet: one Sample of float32 features per synthetic sample. */
export function syntheticSetToWire(set: DistilledSet): SyntheticSet {
  const modelId = String(set.spec['modelId']);
  const labelNames = JSON.parse(String(set.spec['labelNames'])) as string[];
  const spec = JSON.parse(String(set.spec['spec'])) as DistillationSpec;
  const [n, ...shape] = set.inputs.shape;
  const size = shape.reduce((p, d) => p * d, 1);
  const samples = Array.from({ length: n ?? 0 }, (_, i) => ({
    sampleId: `synthetic/${modelId}/${set.experience}/v${set.version}/${i}`,
    label: labelNames[set.labels[i]!]!,
    input: {
      kind: { $case: 'features' as const, value: toWire(tensor('float32', shape, set.inputs.data.slice(i * size, (i + 1) * size))) },
    },
    metadata: { source: 'distiller', method: set.method },
  }));
  return {
    ref: { experience: { modelId, experienceIndex: set.experience }, version: set.version },
    spec,
    learnedLearningRate: set.lr,
    samples,
    createdAt: Date.parse(set.created) / 1000,
  };
}
