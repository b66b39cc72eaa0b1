import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { InvalidArgumentError } from '@mneme/errors';
import { jsonLogger, type Logger } from './logger.js';

/**
 * A request whose bytes did not decode. grpc-js answers INTERNAL when a method's deserializer
 * throws (it hard-codes that status), which tells a caller the server is broken; so the
 * deserializer hands this placeholder to the handler instead, and the adapter turns it into
 * INVALID_ARGUMENT with the decoder's reason.
 */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/**
 * `definition` with every request deserializer made total (bad bytes become an
 * {@link UndecodableRequest}) and every response serializer reporting its failures: grpc-js then
 * answers INTERNAL with no cause for the caller (by design), so the method and the cause are logged.
 */
export function tolerantDefinition<D extends ServiceDefinition>(definition: D, logger: Logger = jsonLogger('rpc')): D {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const decode = method.requestDeserialize;
    const encode = method.responseSerialize;
    out[key] = {
      ...method,
      responseSerialize: (value: unknown) => {
        try {
          return encode(value);
        } catch (err) {
          logger.error('a response could not be encoded; the caller gets INTERNAL', {
            method: method.path,
            error: err instanceof Error ? err.message : String(err),
          });
          throw err;
        }
      },
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (err) {
          return new UndecodableRequest(err instanceof Error ? err.message : String(err));
        }
      },
    };
  }
  return out as D;
}

/** The request itself, or an InvalidArgumentError when its bytes did not decode. */
export function decodedOrThrow<T>(request: T | UndecodableRequest, method: string): T {
  if (request instanceof UndecodableRequest) {
    throw new InvalidArgumentError(`the request is not a valid ${method} message: ${request.reason}`);
  }
  return request;
}
