/** The mneme evaluator service: process entry point (config, gRPC server, event consumers). */
export {};
