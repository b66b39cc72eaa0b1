/** The mneme command line: run benchmarks, import models, start the embedded stack. */
export {};
