/** The mneme trainer service: process entry point (config, gRPC server, event consumers). */
export {};
