/** The only importer of onnxruntime-node: execution providers, session cache, runners, optimizers, checkpoints. */
export {};
