/** The mneme prompt-pool service: process entry point (config, gRPC server, event consumers). */
export {};
