import { BlockList, isIP } from 'node:net';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';

/** What a server presents, and whom it accepts (PEM contents, not paths). */
export interface ServerTls {
  /** Certificate chain of the server, PEM. */
  readonly cert: Buffer;
  /** Private key of `cert`, PEM. */
  readonly key: Buffer;
  /** CA bundle, PEM: when given, every client must present a certificate it signed (mTLS). */
  readonly clientCa?: Buffer;
}

/** What a client trusts, and what it presents when the server asks (PEM contents, not paths). */
export interface ClientTls {
  /** CA bundle the server certificate must chain to. @default the system roots (Node's bundled CAs) */
  readonly ca?: Buffer;
  /** Client certificate chain for mTLS, PEM; given with `key`. */
  readonly cert?: Buffer;
  /** Private key of `cert`, PEM. */
  readonly key?: Buffer;
  /**
   * Name checked against the server certificate instead of the dialled host, for addresses the
   * certificate does not list (an IP, a pod name).
   */
  readonly serverName?: string;
}

/** Server credentials: TLS (mTLS with a client CA) when `tls` is given, plaintext otherwise. */
export function serverCredentials(tls: ServerTls | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const mutual = tls.clientCa !== undefined;
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], mutual);
}

/** Channel credentials: TLS when `tls` is given, plaintext otherwise. */
export function channelCredentials(tls: ClientTls | undefined): ChannelCredentials {
  if (tls === undefined) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

/** Channel options that make a client check `serverName` in the server certificate. */
export function serverNameOptions(tls: ClientTls | undefined): Record<string, string> {
  if (tls?.serverName === undefined) return {};
  return { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether binding `host` exposes the server only to this machine: `localhost`, 127.0.0.0/8 or
 * ::1. Wildcards (0.0.0.0, ::) and every other name count as exposed.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}
