/** The test harness of the services: a real executor, temporary data dirs, served modules and their clients, wire samples, and trainer processes. */
export { failure, quietLogger, removeDir, serve, tempDataDir, testDeps, testExecutor } from './service-harness.test-util.js';
export type { Served } from './service-harness.test-util.js';
export { f32, featureSample, memorySample } from './wire-samples.test-util.js';
export { features, HAVE_MINILM, MODELS_DIR, text } from './model-inputs.test-util.js';
export { freePort, modelCounter, startTrainerProcess } from './trainer-process.js';
export type { TrainerProcess } from './trainer-process.js';
export { inferShape } from './proto-shape.test-util.js';
export type { FieldKind, FieldShape, MessageShape } from './proto-shape.test-util.js';
export { malformedRequests } from './malformed-requests.test-util.js';
export type { MalformedOptions, MalformedRequest } from './malformed-requests.test-util.js';
