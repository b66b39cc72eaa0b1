/** Vector index (HNSW via usearch, exact search for small sets): add, delete, search, persist. */
export { VECTOR_INDEX_DEFAULTS, VectorIndex, vectorIndexFactory } from './vector-index.js';
export type { VectorIndexOptions } from './vector-index.js';
