/**
 * The runtime every mneme service shares: the service module contract, hosting on one gRPC server,
 * metrics, the process entry, and the model glue (runtimes, input featurizers, label names,
 * classifiers from the model store, wire rows and versions). Each service's own code lives in its app.
 */
export { hostServices } from './runtime/host-services.js';
export type { HostedServices, HostOptions } from './runtime/host-services.js';
export { instrumentService } from './runtime/instrument-service.js';
export { startMetricsEndpoint } from './runtime/metrics-endpoint.js';
export type { MetricsEndpoint } from './runtime/metrics-endpoint.js';
export { deadLetterCounter, ServiceMetrics, stepLoss } from './runtime/service-metrics.js';
export type { ConsumerLagSource, ContinualMetricName } from './runtime/service-metrics.js';
export { requestCounts } from './runtime/request-counts.js';
export type { ServiceRequestCounts } from './runtime/request-counts.js';
export { DEFAULT_SERVICE_LIMITS, limitsFromEnv, limitsOf } from './runtime/service-module.js';
export type { PeerAddresses, ServiceDeps, ServiceLimits, ServiceModule } from './runtime/service-module.js';
export { describeServiceVariables, startServiceProcess } from './runtime/start-service-process.js';
export type { ServiceProcess } from './runtime/start-service-process.js';
export { buildModelRuntime } from './models/model-runtime.js';
export type { ModelRuntime } from './models/model-runtime.js';
export { InputFeaturizer } from './models/input-featurizer.js';
export { labelLimitProblem, labelNameProblem } from './models/label-names.js';
export { StoreClassifiers } from './models/store-classifiers.js';
export { poolOfState, promptPoolOf, withPool } from './models/model-pool.js';
export type { ModelPool, ServedPoolValues } from './models/model-pool.js';
export { ServedPools } from './models/served-pools.js';
export type { ClassifierSource, ResolvedClassifier } from './models/classifier-source.js';
export { aligned, memoryRow, sampleProblems, sampleRow, tensorRow } from './wire/feature-rows.js';
export { versionToWire } from './wire/version-wire.js';
export { eventTenant, ModelOwners, ownerOf } from './models/model-owners.js';
export { ResourceOwners } from './runtime/resource-owners.js';
export {
  countProblems,
  experienceIndexProblems,
  featureVectorProblems,
  idListProblems,
  idProblems,
  inputBoundProblems,
  numberProblems,
  sampleBoundProblems,
} from './wire/request-bounds.js';
export type { NumberRange } from './wire/request-bounds.js';
