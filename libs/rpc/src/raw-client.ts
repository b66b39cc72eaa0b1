import { Client, credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';

/** How a raw call ended: its status code and name, the server's message, and how long it took. */
export interface RawOutcome {
  readonly code: number;
  /** The code's name, e.g. `INVALID_ARGUMENT`. */
  readonly status: string;
  readonly details: string;
  readonly ms: number;
}

/** A client that sends request bytes as they are, for probing servers with malformed messages. */
export interface RawClient {
  /** Calls unary method `path` (e.g. `/mneme.v1.TrainerService/Ingest`) with `bytes` and a deadline. */
  call(path: string, bytes: Buffer, timeoutMs: number): Promise<RawOutcome>;
  close(): void;
}

/** A {@link RawClient} of the server at `address` (plaintext). */
export function rawClient(address: string): RawClient {
  const client = new Client(address, credentials.createInsecure());
  const identity = (b: Buffer) => b;
  return {
    call: (path, bytes, timeoutMs) => {
      const started = performance.now();
      return new Promise((resolve) =>
        client.makeUnaryRequest(
          path,
          identity,
          identity,
          bytes,
          new Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err: ServiceError | null) => {
            const code = err?.code ?? Status.OK;
            resolve({ code, status: Status[code] ?? String(code), details: err?.details ?? '', ms: performance.now() - started });
          },
        ),
      );
    },
    close: () => client.close(),
  };
}
