import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { createTensor, GraphBuilder } from '@mneme/graph';
import { tensor } from '@mneme/tensor';
import { describe, expect, it } from 'vitest';
import { ParameterStore } from './parameter-store.js';

function model() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 2]);
  const w = b.initializer('w', createTensor('float32', [2, 2], [1, 2, 3, 4]));
  b.initializer('ids', createTensor('int64', [1], [0]));
  b.output(b.matMul(x, w), 'float32');
  return b.build();
}

describe('ParameterStore', () => {
  it('copies float32 initializers out of a model and writes values back into a copy', () => {
    const m = model();
    const store = ParameterStore.fromModel(m);
    expect(store.names()).toEqual(['w']);
    store.set('w', tensor('float32', [2, 2], new Float32Array([9, 8, 7, 6])));
    // The store owns copies: the model is untouched until applied.
    expect(Array.from(m.graph.initializers.get('w')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    const applied = store.applyTo(m);
    expect(Array.from(applied.graph.initializers.get('w')!.data as Float32Array)).toEqual([9, 8, 7, 6]);
    expect(Array.from(m.graph.initializers.get('w')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('names every initializer it cannot hold', () => {
    expect(() => ParameterStore.fromModel(model(), ['w', 'ids', 'nope'])).toThrow(InvalidArgumentError);
    expect(() => ParameterStore.fromModel(model(), ['ids', 'nope'])).toThrow(/'ids' is not float32.*'nope' is not an initializer/);
  });

  it('keeps optimizer state per parameter and checks its shape', () => {
    const store = ParameterStore.fromModel(model());
    store.ensureState(['m', 'v']);
    expect(store.stateSlots('w')).toEqual(['m', 'v']);
    expect(Array.from(store.getState('w', 'm').data)).toEqual([0, 0, 0, 0]);
    expect(() => store.setState('w', 'm', tensor('float32', [4], new Float32Array(4)))).toThrow(/must be float32 \[2, 2\]/);
    expect(() => store.getState('w', 'momentum')).toThrow(NotFoundError);
    expect(() => store.get('q')).toThrow(/'q' is not in the store/);
    // A shape change drops stale state; clone is deep.
    const copy = store.clone();
    store.set('w', tensor('float32', [4], new Float32Array(4)));
    expect(store.stateSlots('w')).toEqual([]);
    expect(copy.stateSlots('w')).toEqual(['m', 'v']);
    expect(() => store.applyTo(model())).toThrow(/'w' is \[4\] but the initializer is \[2, 2\]/);
  });
});
