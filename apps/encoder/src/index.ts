/** The mneme encoder service: process entry point (config, gRPC server, event consumers). */
export {};
