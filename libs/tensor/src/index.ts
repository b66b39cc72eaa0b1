/** Typed n-d tensors: dtype to TypedArray map, shape checks, wire conversion. */
export {};
