/** gRPC server bootstrap, health, deadlines, error-to-status mapping, client factory. */
export {};
