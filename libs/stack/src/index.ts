/** The composition root: every service by name (the embedded stack of `mneme up`, `mneme serve <name>`) and the stream benchmark that drives it. */
export { describeOwnServiceVariables, SERVICE_FACTORIES, serviceFactory } from './service-factories.js';
export type { ServiceFactory } from './service-factories.js';
export { startStack } from './start-stack.js';
export type { RunningStack, StackOptions } from './start-stack.js';
export { streamBenchmark } from './stream-benchmark.js';
export type { StreamBenchmarkOptions, StreamBenchmarkResult, StreamProgress } from './stream-benchmark.js';
export { runLoad } from './load-run.js';
export type { LoadOptions, LoadResult, RpcLoad } from './load-run.js';
export { runBrokerOutage } from './broker-outage-run.js';
export type { BrokerOutageOptions, BrokerOutageResult } from './broker-outage-run.js';
export {
  EQUALITY_BENCHMARK,
  EQUALITY_OPTIONS,
  TEXT_EQUALITY_OPTIONS,
  TEXT_EQUALITY_SETTINGS,
  writeTinyTextSet,
} from './equality-setups.js';
