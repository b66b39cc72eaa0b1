import type { Executor } from '@mneme/execution';
import type { Engine } from './engine.js';
import { forgetForwardGraphs, forward } from './forward.js';
import { InterferedReplayStep } from './interfered-replay-step.js';
import { forgetGradientGraphs, lossAndGradients } from './loss-and-gradients.js';
import { TrainStep } from './train-step.js';
import { VirtualStep } from './virtual-step.js';

/**
 * The {@link Executor} strategies run on, implemented on this engine's ONNX Runtime sessions
 * (compiled graphs and sessions are cached per model and batch shape).
 */
export function createExecutor(engine: Engine): Executor {
  return {
    device: engine.device.provider,
    forward: (model, feeds, request = {}) => forward(engine, model, feeds, request),
    lossAndGradients: (model, feeds, request) => lossAndGradients(engine, model, feeds, request),
    trainStep: (spec) => TrainStep.create(engine, spec),
    virtualStep: (spec) => VirtualStep.create(engine, spec),
    release: (model) => {
      engine.release([model, ...forgetForwardGraphs(model), ...forgetGradientGraphs(model)]);
      return Promise.resolve();
    },
    interferedReplayStep: (spec) => InterferedReplayStep.create(engine, spec),
  };
}
