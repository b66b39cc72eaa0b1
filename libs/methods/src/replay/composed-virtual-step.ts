/**
 * The virtual step (a lookahead: candidates' per-sample losses before and after an SGD step on an
 * incoming batch that is never written back) from the executor's generic verbs, for executors that
 * do not compile one ({@link Executor.virtualStep} is optional): the incoming batch's loss and
 * gradients, w′ = w − lr·∇L in a new store, and two forward runs of the candidates, at w and at w′.
 * Three runs where the engine's compiled virtual step is one graph, so it is only the fallback.
 */
import { InvalidArgumentError } from '@mneme/errors';
import { ParameterStore, type Executor, type VirtualStepRunner, type VirtualStepSpec } from '@mneme/execution';
import { tensor } from '@mneme/tensor';

/** A virtual-step runner on `executor`'s `lossAndGradients` and `forward`; `spec.store` is read, never changed. */
export function composedVirtualStep(executor: Executor, spec: VirtualStepSpec): VirtualStepRunner {
  const trainable = spec.trainable ?? spec.store.names();
  if (trainable.length === 0)
    throw new InvalidArgumentError('virtual step: nothing to update: the store is empty and no trainable names were given');
  const missing = trainable.filter((name) => !spec.store.has(name));
  if (missing.length > 0)
    throw new InvalidArgumentError(`virtual step: trainable ${missing.map((n) => `'${n}'`).join(', ')} not in the store`);
  const fetches = [spec.perSampleLoss];
  return {
    async run(incoming, candidates, lr) {
      if (!Number.isFinite(lr)) throw new InvalidArgumentError(`virtual step lr must be finite, got ${lr}`);
      const { loss, gradients } = await executor.lossAndGradients(spec.model, incoming, {
        loss: spec.loss,
        wrt: trainable,
        params: spec.store,
      });
      // w′ beside w: frozen parameters are shared, trainable ones moved by one plain SGD step.
      const moved = new ParameterStore();
      const lifted = new Set(trainable);
      for (const name of spec.store.names()) {
        const w = spec.store.get(name);
        if (!lifted.has(name)) {
          moved.set(name, w);
          continue;
        }
        const g = gradients.get(name)!.data as Float32Array;
        const next = new Float32Array(w.data.length);
        for (let i = 0; i < next.length; i++) next[i] = w.data[i]! - lr * g[i]!;
        moved.set(name, tensor('float32', [...w.shape], next));
      }
      const before = await executor.forward(spec.model, candidates, { params: spec.store, fetches });
      const after = await executor.forward(spec.model, candidates, { params: moved, fetches });
      return {
        incomingLoss: loss,
        before: before[spec.perSampleLoss]!.data as Float32Array,
        after: after[spec.perSampleLoss]!.data as Float32Array,
      };
    },
  };
}
