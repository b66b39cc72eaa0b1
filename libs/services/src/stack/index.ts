export { SERVICE_FACTORIES, serviceFactory } from './service-factories.js';
export type { ServiceFactory } from './service-factories.js';
export { startStack } from './start-stack.js';
export type { RunningStack, StackOptions } from './start-stack.js';
export { streamBenchmark } from './stream-benchmark.js';
export type { StreamBenchmarkOptions, StreamBenchmarkResult, StreamProgress } from './stream-benchmark.js';
export { freePort, modelCounter, startTrainerProcess } from './trainer-process.js';
export type { TrainerProcess } from './trainer-process.js';
