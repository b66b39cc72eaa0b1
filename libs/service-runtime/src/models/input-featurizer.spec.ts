import type { Input } from '@mneme/contracts';
import type { Executor } from '@mneme/execution';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { describe, expect, it } from 'vitest';
import { InputFeaturizer } from './input-featurizer.js';

const features = (values: readonly number[]): Input => ({
  kind: { $case: 'features', value: toWire(tensor('float32', [values.length], Float32Array.from(values))) },
});
const text = (value: string): Input => ({ kind: { $case: 'text', value } });
/** A feature model never runs its executor. */
const featureModel = () => InputFeaturizer.create({ kind: 'features', size: 2 }, {} as Executor, 'no-models');

describe('input featurizer', () => {
  it('checks inputs as featurize does, naming every bad one at once, without featurising them', async () => {
    const featurizer = await featureModel();
    expect(() => featurizer.check([features([1, 2]), features([0, -1])], 'sample')).not.toThrow();
    expect(() =>
      featurizer.check([features([1, 2]), text('hello'), features([1, 2, 3]), features([Number.NaN, 0]), undefined], 'sample'),
    ).toThrow(
      expect.objectContaining({
        kind: 'invalid-argument',
        message: expect.stringMatching(
          /sample 1: this model takes feature tensors[\s\S]*sample 2 has shape \[3\] but \[2\] was expected[\s\S]*sample 3[\s\S]*sample 4: this model takes feature tensors \(float32, width 2\), got nothing/,
        ),
      }),
    );
  });

  it('featurises checked inputs as they are', async () => {
    const featurizer = await featureModel();
    expect(Array.from(await featurizer.featurize([features([1, 2]), features([3, 4])]))).toEqual([1, 2, 3, 4]);
    await expect(featurizer.featurize([features([Number.NaN, 0])])).rejects.toMatchObject({ kind: 'invalid-argument' });
    // Inputs checked once already (the trainer's samples topic) are not scanned again.
    expect(Array.from(await featurizer.featurize([features([Number.NaN, 0])], 'sample', { checked: true }))).toEqual([Number.NaN, 0]);
  });
});
