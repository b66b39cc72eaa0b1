/** The mneme distiller service: process entry point (config, gRPC server, event consumers). */
export {};
