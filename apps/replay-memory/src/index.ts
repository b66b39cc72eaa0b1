/** The mneme replay-memory service: process entry point (config, gRPC server, event consumers). */
export {};
