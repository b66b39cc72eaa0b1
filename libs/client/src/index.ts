/** Typed gRPC client for integrators: ingest samples, predict, read metrics, list and promote model versions. */
export { connect, MAX_INGEST_CHUNK, MnemeClient } from './mneme-client.js';
export { tokenFromEnv } from '@mneme/rpc';
export type { ConnectOptions } from './mneme-client.js';
export type { PerServiceAddresses, ServiceAddresses, SingleAddress } from './service-addresses.js';
export type {
  AccuracyMatrix,
  CreateModelOptions,
  EmbedResult,
  ForgetResult,
  LabelScore,
  ModelInput,
  PredictResult,
  SampleInput,
  ServedBy,
  TrainingStatus,
  VersionInfo,
  VersionStateName,
} from './client-types.js';
export { MnemeError } from '@mneme/errors';
export { loadClientTls } from '@mneme/rpc';
export type { ClientTls, ClientTlsFiles } from '@mneme/rpc';
