/** Reverse-mode differentiation of ONNX graphs into standard-op gradient graphs: one table of rules. */
export {};
