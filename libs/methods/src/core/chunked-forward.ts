import type { Executor, ParameterStore } from '@mneme/execution';
import type { Model } from '@mneme/graph';
import { CLASSIFIER_IO } from '@mneme/models';
import { tensor, type Tensor } from '@mneme/tensor';

/** Rows per forward run; the last chunk is zero-padded so one compiled shape serves all. */
export const EVAL_CHUNK = 256;

/**
 * Runs `model` forward over `n` rows of `features` (`n × inputSize`, fed as `CLASSIFIER_IO.input`)
 * in zero-padded chunks of {@link EVAL_CHUNK} rows, and returns the `n × outputWidth` rows that
 * `output` picks from each run's result.
 */
export async function forwardInChunks(
  executor: Executor,
  model: Model,
  params: ParameterStore,
  features: Float32Array,
  n: number,
  inputSize: number,
  outputWidth: number,
  output: (result: Record<string, Tensor>) => Tensor,
): Promise<Float32Array> {
  const d = inputSize;
  const out = new Float32Array(n * outputWidth);
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const rows = Math.min(EVAL_CHUNK, n - start);
    const chunk = new Float32Array(EVAL_CHUNK * d);
    chunk.set(features.subarray(start * d, (start + rows) * d));
    const result = await executor.forward(model, { [CLASSIFIER_IO.input]: tensor('float32', [EVAL_CHUNK, d], chunk) }, { params });
    out.set((output(result).data as Float32Array).subarray(0, rows * outputWidth), start * outputWidth);
  }
  return out;
}
