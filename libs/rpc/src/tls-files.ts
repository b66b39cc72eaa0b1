import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@mneme/errors';
import type { ClientTls, ServerTls } from './tls.js';

/** Transport-security settings as configured: paths of PEM files (unset: not given). */
export interface TlsSettings {
  /** Certificate chain the server presents (and its clients present to mTLS peers). */
  readonly cert?: string | undefined;
  /** Private key of `cert`. */
  readonly key?: string | undefined;
  /** CA bundle client certificates must chain to; turns on mTLS. */
  readonly clientCa?: string | undefined;
  /** CA bundle the certificates of the services this process calls must chain to. */
  readonly ca?: string | undefined;
  /** Name checked in the certificates of the services this process calls, instead of the host dialled. */
  readonly serverName?: string | undefined;
}

/** How each setting is called where it was set (a variable or a flag), for error messages. */
export type TlsSettingNames = { readonly [K in keyof TlsSettings]-?: string };

/** The environment variables of the settings, as services read them. */
export const TLS_ENV_NAMES: TlsSettingNames = Object.freeze({
  cert: 'MNEME_TLS_CERT',
  key: 'MNEME_TLS_KEY',
  clientCa: 'MNEME_TLS_CLIENT_CA',
  ca: 'MNEME_TLS_CA',
  serverName: 'MNEME_TLS_SERVER_NAME',
});

/** A process's transport security, loaded and checked. */
export interface TransportSecurity {
  /** What the gRPC server presents; undefined serves plaintext. */
  readonly server: ServerTls | undefined;
  /**
   * How this process's clients (of other services, of itself) connect: TLS when a CA or a server
   * certificate is configured (a TLS deployment), presenting the server certificate for mTLS peers;
   * undefined is plaintext.
   */
  readonly client: ClientTls | undefined;
}

/**
 * Reads and checks the PEM files of `settings` once, at start-up: every file must be readable
 * and hold what its setting says, the key must match the certificate, and no setting may lack
 * its partner (a key without a certificate, a client CA without a server certificate).
 * @throws InvalidArgumentError listing every problem, each naming its variable (or flag) and the fix
 */
export function loadTransportSecurity(settings: TlsSettings, names: TlsSettingNames = TLS_ENV_NAMES): TransportSecurity {
  const problems: string[] = [];
  const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  const read = (which: 'cert' | 'key' | 'clientCa' | 'ca', what: string): Buffer | undefined => {
    const path = settings[which];
    if (!given(path)) return undefined;
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (err) {
      problems.push(
        `${names[which]}='${path}': cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); give the path of a readable PEM file holding ${what}`,
      );
      return undefined;
    }
    if (!pem.includes('-----BEGIN ')) {
      problems.push(`${names[which]}='${path}': the file holds no PEM block ("-----BEGIN ..."); give ${what} in PEM form`);
      return undefined;
    }
    return pem;
  };
  if (given(settings.cert) !== given(settings.key)) {
    const [set, unset] = given(settings.cert) ? [names.cert, names.key] : [names.key, names.cert];
    problems.push(`${set} is set but ${unset} is not: a certificate goes with its private key; set ${unset} too, or unset ${set}`);
  }
  if (given(settings.clientCa) && !given(settings.cert)) {
    problems.push(
      `${names.clientCa} is set but ${names.cert} is not: client certificates (mTLS) are only checked over TLS; set ${names.cert} and ${names.key}`,
    );
  }
  const certPem = read('cert', 'a certificate chain');
  const keyPem = read('key', 'a private key');
  const clientCa = read('clientCa', 'the CA certificates client certificates must chain to');
  const ca = read('ca', 'the CA certificates of the services this process calls');
  const cert =
    certPem === undefined
      ? undefined
      : parse(() => new X509Certificate(certPem), `${names.cert}='${settings.cert}': not a PEM certificate`, problems);
  const key =
    keyPem === undefined
      ? undefined
      : parse(
          () => createPrivateKey(keyPem),
          `${names.key}='${settings.key}': not a PEM private key (an encrypted key is not supported)`,
          problems,
        );
  if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key)) {
    problems.push(
      `${names.key}='${settings.key}' is not the private key of the certificate in ${names.cert}='${settings.cert}'; give the matching pair`,
    );
  }
  for (const [which, pem] of [
    ['clientCa', clientCa],
    ['ca', ca],
  ] as const) {
    if (pem !== undefined)
      parse(() => new X509Certificate(pem), `${names[which]}='${settings[which]}': not a PEM CA certificate`, problems);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  const server: ServerTls | undefined =
    certPem !== undefined && keyPem !== undefined
      ? { cert: certPem, key: keyPem, ...(clientCa === undefined ? {} : { clientCa }) }
      : undefined;
  const serverName = given(settings.serverName) ? settings.serverName.trim() : undefined;
  const client: ClientTls | undefined =
    server === undefined && ca === undefined
      ? undefined
      : {
          ...(ca === undefined ? {} : { ca }),
          ...(server === undefined ? {} : { cert: server.cert, key: server.key }),
          ...(serverName === undefined ? {} : { serverName }),
        };
  return { server, client };
}

/** Paths of the PEM files of a client (unset: not given). */
export interface ClientTlsFiles {
  /** CA bundle the server certificate must chain to; unset trusts the system roots. */
  readonly ca?: string | undefined;
  /** Client certificate chain for mTLS, with `key`. */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** Name checked in the server certificate instead of the host dialled. */
  readonly serverName?: string | undefined;
}

/**
 * The TLS settings of a client from PEM files: the CA to trust and, for mTLS, its own certificate
 * and key (the same variables a service reads, MNEME_TLS_CA, MNEME_TLS_CERT and MNEME_TLS_KEY, name
 * them in errors unless `names` says otherwise).
 * @throws InvalidArgumentError listing every problem, each naming its setting and the fix
 */
export function loadClientTls(files: ClientTlsFiles, names: TlsSettingNames = TLS_ENV_NAMES): ClientTls {
  const security = loadTransportSecurity({ ca: files.ca, cert: files.cert, key: files.key, serverName: files.serverName }, names);
  // Without any file, TLS with the system roots: a client asked for TLS gets it.
  const serverName = files.serverName?.trim();
  return security.client ?? (serverName ? { serverName } : {});
}

/**
 * The first DNS name (else IP) of a PEM certificate's subject alternative names, else its common
 * name: what a client dialling this process on a loopback or wildcard address should check.
 */
export function certificateName(pem: Buffer): string | undefined {
  const cert = new X509Certificate(pem);
  const names = (cert.subjectAltName ?? '').split(',').map((n) => n.trim());
  const dns = names.find((n) => n.startsWith('DNS:'))?.slice(4);
  const ip = names.find((n) => n.startsWith('IP Address:'))?.slice(11);
  return dns ?? ip ?? /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
}

function parse<T extends X509Certificate | KeyObject>(make: () => T, problem: string, problems: string[]): T | undefined {
  try {
    return make();
  } catch (err) {
    problems.push(`${problem} (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}
