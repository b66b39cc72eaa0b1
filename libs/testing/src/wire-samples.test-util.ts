import type { MemorySample, Sample, Tensor as WireTensor } from '@mneme/contracts';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';

/** A float32 wire tensor of `values` (NaN allowed, so tests can send bad values). */
export function f32(values: readonly number[], shape: readonly number[] = [values.length]): WireTensor {
  return toWire(tensor('float32', shape, Float32Array.from(values)));
}

/** A labelled sample with dense features. */
export function featureSample(sampleId: string, label: string, values: readonly number[]): Sample {
  return { sampleId, label, input: { kind: { $case: 'features', value: f32(values) } }, metadata: { source: 'test' } };
}

/** A memory sample of `experienceIndex` with dense input features. */
export function memorySample(sampleId: string, label: string, values: readonly number[], experienceIndex = 0): MemorySample {
  return { sample: featureSample(sampleId, label, values), experienceIndex, features: undefined };
}
