import { projectTestConfig } from '../../vitest.shared.js';

// Two files at a time: the Kafka and child-process specs mostly wait, and the equality specs run
// single-threaded ONNX sessions, so together they use both cores.
export default projectTestConfig({ root: import.meta.dirname, maxWorkers: 2 });
