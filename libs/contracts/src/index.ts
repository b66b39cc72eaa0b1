/** Generated protobuf contracts (ts-proto, grpc-js services) and Kafka topic names. */
export {};
