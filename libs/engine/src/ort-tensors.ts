import { type AnyTensor, isDType, type Tensor, tensor } from '@mneme/tensor';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import { EngineError } from './engine-error.js';

/** Wraps a mneme tensor as an ORT tensor (no copy: dtype names and TypedArrays are the same). */
export function toOrtTensor(t: Tensor): OrtTensor {
  return new OrtTensor(t.dtype, t.data, [...t.shape]);
}

/**
 * Wraps an ORT output as a mneme tensor (no copy).
 *
 * @throws EngineError `internal` when ORT returns a dtype mneme tensors cannot hold
 */
export function fromOrtTensor(name: string, value: OrtTensor): Tensor {
  const dtype = value.type;
  if (!isDType(dtype)) {
    throw new EngineError('internal', `output '${name}' has element type ${dtype}, which @mneme/tensor cannot hold`);
  }
  return tensor(dtype, value.dims, value.data as AnyTensor['data']);
}
