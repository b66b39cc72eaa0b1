/**
 * The inverse of the importer's weight mapping: mneme BERT weights → a Hugging Face
 * `model.safetensors` (PyTorch [out, in] linear weights), so fine-tuned encoders can go back to
 * Python tools and tests can build checkpoints in memory.
 */
import { tensorToNumbers } from '@mneme/graph';
import { type BertWeights } from './bert-encoder.js';
import { encodeSafetensors, type SafetensorsInput } from './safetensors.js';

/** Options of {@link bertWeightsToSafetensors}. */
export interface BertExportOptions {
  /** Prefix every name, e.g. `bert.` as task-head checkpoints do. @default '' */
  prefix?: string;
  /** Element type to store. @default 'F32' */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Extra tensors written as they are (e.g. a pooler), already in PyTorch layout. */
  extra?: ReadonlyMap<string, SafetensorsInput>;
}

/** Encodes BERT weights as safetensors bytes in Hugging Face naming and layout. */
export function bertWeightsToSafetensors(weights: BertWeights, options: BertExportOptions = {}): Uint8Array {
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, value] of weights) {
    const data = value.data instanceof Float32Array ? value.data : Float32Array.from(tensorToNumbers(value));
    const isLinear = value.shape.length === 2 && name.startsWith('encoder.');
    const [rows, cols] = [value.shape[0]!, value.shape[1]!];
    let out = data;
    if (isLinear) {
      out = new Float32Array(data.length);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
    }
    tensors.set(`${options.prefix ?? ''}${name}`, {
      dtype: options.dtype ?? 'F32',
      shape: isLinear ? [cols, rows] : [...value.shape],
      data: out,
    });
  }
  for (const [name, t] of options.extra ?? []) tensors.set(name, t);
  return encodeSafetensors(tensors, { format: 'pt' });
}
