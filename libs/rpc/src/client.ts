import {
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { bearerInterceptor } from './auth/bearer-interceptor.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './server.js';
import { channelCredentials, serverNameOptions, type ClientTls } from './tls.js';
import { fromGrpcError } from './status.js';

/** A generated client class (e.g. `EncoderServiceClient`). */
export type ClientConstructor<C extends Client> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

/** Options of {@link createClient}. */
export interface ClientFactoryOptions {
  /** Largest message sent or accepted, in bytes. @default 64 MiB */
  maxMessageBytes?: number;
  /** TLS settings (CA to trust, client certificate for mTLS); plaintext when absent (loopback, or a mesh that encrypts). */
  tls?: ClientTls | undefined;
  /** Credentials built by the caller; override `tls`. */
  credentials?: ChannelCredentials;
  /** Bearer token sent on every call (`authorization` metadata); none when absent (open servers). */
  token?: string | undefined;
  /**
   * Tenant every call acts for (`x-mneme-tenant` metadata): what a service sets when it calls a
   * peer on behalf of a model's owner. Only `service` tokens (or open servers) honour it.
   */
  tenant?: string | undefined;
}

/** Who a service's calls to a peer act for: the owner's tenant, with the service's own token. */
export interface PeerIdentity {
  /** The service's token (scope `service`); undefined when the peers run open. */
  readonly token?: string | undefined;
  /** The tenant the calls act for (the owner of the model they concern). */
  readonly tenant: string;
}

/** Creates a generated client for `address` with mneme's channel settings. */
export function createClient<C extends Client>(Ctor: ClientConstructor<C>, address: string, options: ClientFactoryOptions = {}): C {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return new Ctor(address, options.credentials ?? channelCredentials(options.tls), {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    ...serverNameOptions(options.tls),
    ...(options.token || options.tenant ? { interceptors: [bearerInterceptor(options.token || undefined, options.tenant)] } : {}),
  });
}

/** A generated client's unary method, in its fullest overload. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Options of one call. */
export interface CallSettings {
  /** Time the call may take, in ms; the server sees it as the call's deadline. @default 30000 */
  timeoutMs?: number;
  /** Extra request metadata. */
  metadata?: Readonly<Record<string, string>>;
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
}

/**
 * Calls a unary method and resolves with its response. Failures reject with a MnemeError whose
 * kind mirrors the status code (INVALID_ARGUMENT -> 'invalid-argument', ...).
 * @example await unary(client.embed.bind(client), request, { timeoutMs: 500 })
 */
export function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, settings: CallSettings = {}): Promise<Res> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(settings.metadata ?? {})) metadata.set(key, value);
  const deadline = Date.now() + (settings.timeoutMs ?? 30_000);
  return new Promise<Res>((resolve, reject) => {
    const call = method(request, metadata, { deadline }, (err, response) => {
      settings.signal?.removeEventListener('abort', cancel);
      if (err) reject(fromGrpcError(err));
      else resolve(response);
    });
    const cancel = () => call.cancel();
    settings.signal?.addEventListener('abort', cancel, { once: true });
  });
}
