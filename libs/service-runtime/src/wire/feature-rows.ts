import type { MemorySample, Sample, Tensor as WireTensor } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { fromWire } from '@mneme/wire';

// Dtypes whose values convert to float32 rows without loss of meaning (int64 and bool do not).
const NUMERIC = new Set(['float32', 'float64', 'uint8', 'int8', 'int32']);

/**
 * A wire tensor as one float32 row (flattened, row-major). Shapes, byte lengths and NaN are
 * checked by libs/wire; the dtype must be numeric.
 *
 * @throws InvalidArgumentError (TensorError) naming `what`
 */
export function tensorRow(wire: WireTensor, what: string): Float32Array {
  const t = fromWire(aligned(wire), { what });
  if (!NUMERIC.has(t.dtype))
    throw new InvalidArgumentError(`${what} has dtype ${t.dtype}; send float32, float64, uint8, int8 or int32 features`);
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** The feature row of a plain sample: its `input.features`, flattened. */
export function sampleRow(sample: Sample, what: string): Float32Array {
  const kind = sample.input?.kind;
  if (kind?.$case !== 'features') {
    throw new InvalidArgumentError(`${what}.input must hold features (got ${kind?.$case ?? 'nothing'}); text inputs need cached features`);
  }
  return tensorRow(kind.value, `${what}.input.features`);
}

/** The row a memory stores for a sample: the cached `features` when present, else the input features. */
export function memoryRow(sample: MemorySample, what: string): Float32Array {
  if (sample.features !== undefined) return tensorRow(sample.features, `${what}.features`);
  if (sample.sample === undefined) throw new InvalidArgumentError(`${what}.sample is missing`);
  return sampleRow(sample.sample, `${what}.sample`);
}

/** Problems with a sample's id and label (both required, ids are the key for deletion). */
export function sampleProblems(sample: Sample | undefined, what: string): string[] {
  if (sample === undefined) return [`${what} is missing`];
  return [...(sample.sampleId === '' ? [`${what}.sample_id is empty`] : []), ...(sample.label === '' ? [`${what}.label is empty`] : [])];
}

/**
 * `wire` with its bytes in a fresh Uint8Array. grpc-js decodes `bytes` fields as Buffer views at any
 * offset, and libs/wire's realignment copies with `slice()`, which on a Buffer is a view again, so a
 * misaligned payload would fail with "start offset of Float32Array should be a multiple of 4".
 */
export function aligned(wire: WireTensor): WireTensor {
  return Buffer.isBuffer(wire.data) ? { ...wire, data: new Uint8Array(wire.data) } : wire;
}
