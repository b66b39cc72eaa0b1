import { type Tensor } from '@mneme/tensor';
import { createTensor } from '@mneme/graph';
import type { Rng } from '@mneme/random';

/** How a layer's weights are initialised. */
export type InitScheme =
  /** PyTorch's nn.Linear/nn.Conv default: weights and biases U(−1/√fan_in, 1/√fan_in). */
  | 'torch-default'
  /** He et al. 2015 for ReLU nets: weights N(0, 2/fan_in), biases zero. */
  | 'kaiming'
  /** Glorot & Bengio 2010: weights U(±√(6/(fan_in+fan_out))), biases zero. */
  | 'xavier';

/** A float32 tensor of `dims` filled by `draw`. */
export function filled(dims: readonly number[], draw: () => number): Tensor {
  const n = dims.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = draw();
  return createTensor('float32', dims, data);
}

/** Weight of a layer with the given fans under `scheme`. */
export function initWeight(rng: Rng, dims: readonly number[], fanIn: number, fanOut: number, scheme: InitScheme): Tensor {
  switch (scheme) {
    case 'torch-default': {
      const bound = 1 / Math.sqrt(fanIn);
      return filled(dims, () => rng.uniform(-bound, bound));
    }
    case 'kaiming': {
      const std = Math.sqrt(2 / fanIn);
      return filled(dims, () => rng.normal(0, std));
    }
    case 'xavier': {
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      return filled(dims, () => rng.uniform(-bound, bound));
    }
  }
}

/** Bias of a layer with fan-in `fanIn` under `scheme`. */
export function initBias(rng: Rng, size: number, fanIn: number, scheme: InitScheme): Tensor {
  if (scheme !== 'torch-default') return filled([size], () => 0);
  const bound = 1 / Math.sqrt(fanIn);
  return filled([size], () => rng.uniform(-bound, bound));
}
