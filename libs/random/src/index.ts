/** Seeded, checkpointable random numbers (pure-rand xoroshiro128+): uniform, integer, normal, shuffle, sample. */
export { Rng } from './rng.js';
