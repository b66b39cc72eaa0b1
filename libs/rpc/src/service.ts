import {
  Metadata,
  type MethodDefinition,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { MnemeError } from '@mneme/errors';
import { AccessControl } from './auth/access-control.js';
import type { Principal } from './auth/principal.js';
import { NOTHING_TO_RELEASE } from './auth/tenant-limiter.js';
import type { Logger } from './logger.js';
import { toGrpcStatus } from './status.js';
import { decodedOrThrow, tolerantDefinition } from './undecodable.js';

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** Aborted when the caller cancels or the call's deadline passes: stop work then. */
  readonly signal: AbortSignal;
  /** The caller's deadline, if it set one. */
  readonly deadline: Date | undefined;
  /** Request metadata, first value per key, without `authorization` (the token stays in the access control). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Full method path, e.g. `/mneme.v1.EncoderService/Embed`. */
  readonly method: string;
  /** Who is calling, established before the handler runs; resources belong to `principal.tenant`. */
  readonly principal: Principal;
}

/** A unary handler: one request in, one response out. */
export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
/** A server-streaming handler: one request in, responses out as they are produced. */
export type ServerStreamHandler<Req, Res> = (request: Req, ctx: CallContext) => AsyncIterable<Res>;
/** A client-streaming handler: requests in as they arrive, one response out. */
export type ClientStreamHandler<Req, Res> = (requests: AsyncIterable<Req>, ctx: CallContext) => Promise<Res>;

type HandlerFor<M> =
  M extends MethodDefinition<infer Req, infer Res>
    ? M extends { requestStream: false; responseStream: false }
      ? UnaryHandler<Req, Res>
      : M extends { requestStream: false; responseStream: true }
        ? ServerStreamHandler<Req, Res>
        : M extends { requestStream: true; responseStream: false }
          ? ClientStreamHandler<Req, Res>
          : never
    : never;

/**
 * A service implemented with async functions, typed from a generated ts-proto service definition
 * (e.g. `EncoderServiceService`): each method takes the decoded request and a {@link CallContext}.
 */
export type AsyncService<D> = { [K in keyof D]: HandlerFor<D[K]> };

/** A service definition with its async implementation, ready for `startServer`. */
export interface ServiceBinding {
  /** Fully qualified service name, e.g. `mneme.v1.EncoderService` (used for health). */
  readonly name: string;
  readonly definition: ServiceDefinition;
  /** The async handlers, keyed like the definition. */
  readonly handlers: Readonly<Record<string, (...args: never[]) => unknown>>;
}

/** Tracks calls in flight so shutdown can report what it drains. */
export interface CallTracker {
  begin(): void;
  end(): void;
}

/**
 * Pairs a generated definition (e.g. `EncoderServiceService`) with its async implementation; the
 * types tie each handler to its method's request and response messages.
 */
export function defineService<D extends ServiceDefinition>(definition: D, implementation: AsyncService<D>): ServiceBinding {
  const methods = Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][];
  if (methods.length === 0) throw new MnemeError('internal', 'service definition has no methods');
  const [[, first]] = methods as [[string, MethodDefinition<unknown, unknown>]];
  const name = serviceNameOf(first.path);
  for (const [key, method] of methods) {
    if (typeof (implementation as Record<string, unknown>)[key] !== 'function') {
      throw new MnemeError('internal', `${name}: no handler for ${method.path}`);
    }
  }
  return { name, definition: tolerantDefinition(definition), handlers: implementation };
}

/** What {@link toGrpcImplementation} needs besides the binding. */
export interface AdapterDeps {
  logger: Logger;
  tracker: CallTracker;
  /** Authenticates, authorises and rate-limits each call before its handler runs. @default open */
  access?: AccessControl;
  /** Told of each call the access control refused (its handler never ran), e.g. to count it. */
  onRefused?: (method: string, error: MnemeError) => void;
}

/**
 * Adapts a binding's async handlers to grpc-js: each call is admitted by the access control
 * first, and every error goes through `toGrpcStatus`.
 */
export function toGrpcImplementation(binding: ServiceBinding, deps: AdapterDeps): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(binding.definition)) {
    implementation[key] = adapt(method, binding.handlers[key] as (...args: unknown[]) => unknown, deps);
  }
  return implementation;
}

/** `/mneme.v1.EncoderService/Embed` -> `mneme.v1.EncoderService`. */
export function serviceNameOf(path: string): string {
  const match = /^\/([^/]+)\/[^/]+$/.exec(path);
  if (!match?.[1]) throw new MnemeError('internal', `not a gRPC method path: ${path}`);
  return match[1];
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown> | ServerReadableStream<unknown, unknown>;

function metadataOf(call: AnyCall): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, values] of Object.entries(call.metadata.getMap())) metadata[key] = String(values);
  return metadata;
}

/** Admits the call (auth, scope, tenant limit), then builds its context; `release` ends the admission. */
async function admit(call: AnyCall, path: string, deps: AdapterDeps): Promise<{ ctx: CallContext; release: () => void }> {
  const metadata = metadataOf(call);
  let admission: Awaited<ReturnType<AccessControl['admit']>>;
  try {
    admission = await (deps.access ?? OPEN).admit(path, metadata);
  } catch (err) {
    deps.onRefused?.(path, MnemeError.from(err));
    throw err;
  }
  const { principal, release } = admission;
  // Handlers never see the token: nothing they log or forward can leak it.
  delete metadata['authorization'];
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else (call as NodeJS.EventEmitter).once('cancelled', () => controller.abort());
  const deadline = call.getDeadline();
  const ctx: CallContext = {
    signal: controller.signal,
    deadline: deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined,
    metadata,
    method: path,
    principal,
  };
  return { ctx, release };
}

const OPEN = new AccessControl();

function asServiceError(err: unknown, logger: Logger, path: string): Partial<ServiceError> {
  const { code, details } = toGrpcStatus(err, logger, path);
  return { code, details, metadata: new Metadata() };
}

function adapt(method: MethodDefinition<unknown, unknown>, handler: (...args: unknown[]) => unknown, deps: AdapterDeps): UntypedHandleCall {
  const { logger, tracker } = deps;
  const path = method.path;
  if (!method.requestStream && !method.responseStream) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      tracker.begin();
      let release = NOTHING_TO_RELEASE;
      admit(call, path, deps)
        .then((admitted) => {
          release = admitted.release;
          return handler(decodedOrThrow(call.request, path), admitted.ctx);
        })
        .then(
          (response) => callback(null, response),
          (err: unknown) => callback(asServiceError(err, logger, path)),
        )
        .finally(() => {
          release();
          tracker.end();
        });
    };
  }
  if (!method.requestStream && method.responseStream) {
    return (call: ServerWritableStream<unknown, unknown>) => {
      tracker.begin();
      let release = NOTHING_TO_RELEASE;
      const run = async () => {
        const admitted = await admit(call, path, deps);
        release = admitted.release;
        for await (const item of handler(decodedOrThrow(call.request, path), admitted.ctx) as AsyncIterable<unknown>) {
          if (call.cancelled) return;
          call.write(item);
        }
        call.end();
      };
      run()
        // grpc-js takes the status from an Error carrying code and details: a wire object, already mapped.
        // eslint-disable-next-line no-restricted-syntax
        .catch((err: unknown) => call.destroy(Object.assign(new Error('call failed'), asServiceError(err, logger, path))))
        .finally(() => {
          release();
          tracker.end();
        });
    };
  }
  if (method.requestStream && !method.responseStream) {
    return (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      tracker.begin();
      let release = NOTHING_TO_RELEASE;
      admit(call, path, deps)
        .then((admitted) => {
          release = admitted.release;
          return handler(decodedStream(call as AsyncIterable<unknown>, path), admitted.ctx);
        })
        .then(
          (response) => callback(null, response),
          (err: unknown) => callback(asServiceError(err, logger, path)),
        )
        .finally(() => {
          release();
          tracker.end();
        });
    };
  }
  throw new MnemeError('internal', `${path}: bidirectional streaming is not supported by bindService`);
}

/** A client stream whose undecodable messages end the call with INVALID_ARGUMENT. */
async function* decodedStream(requests: AsyncIterable<unknown>, path: string): AsyncIterable<unknown> {
  for await (const request of requests) yield decodedOrThrow(request, path);
}
