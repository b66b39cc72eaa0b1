/** ONNX IR: load and save ModelProto, a graph builder, topological order, pruning, shape and dtype inference. */
export {};
