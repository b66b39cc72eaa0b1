import type { ModelRef } from '@mneme/contracts';
import type { DistillNetwork } from '@mneme/methods';
import { buildMlp } from '@mneme/models';

/** Picks the network a synthetic set is optimised for, given the model and the data's geometry. */
export type NetworkSource = (model: ModelRef, inputWidth: number, classes: number) => Promise<DistillNetwork>;

/**
 * An MLP of the given hidden widths over the data's feature width, one output per label: the
 * architecture of mneme's MLP strategies, used until model versions describe their own.
 */
export function mlpNetworks(hidden: readonly number[]): NetworkSource {
  return async (_model, inputWidth, classes) => {
    const sizes = [inputWidth, ...hidden, classes];
    return { name: `mlp-${sizes.join('-')}`, inputShape: [inputWidth], classes, build: (seed) => buildMlp({ sizes, seed }) };
  };
}
