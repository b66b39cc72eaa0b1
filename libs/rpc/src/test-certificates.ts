/** Certificates for tests of TLS and mTLS, made at test time with the `openssl` CLI. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of one certificate and its key (PEM files). */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** A small PKI in a temporary folder: a CA, a server and a client it signed, and a client of another CA. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed `server` and `client`. */
  readonly ca: string;
  /** For `localhost` and 127.0.0.1. */
  readonly server: CertificateFiles;
  readonly client: CertificateFiles;
  /** For `stack.mneme.test` only (no loopback name or address), server and client use. */
  readonly named: CertificateFiles;
  /** A CA nobody trusts, and a client certificate it signed. */
  readonly otherCa: string;
  readonly otherClient: CertificateFiles;
  /** Reads one of the files. */
  pem(path: string): Buffer;
  /** Deletes the folder. */
  remove(): void;
}

/** Whether the `openssl` CLI runs here; tests that need certificates skip when it does not. */
export const HAVE_OPENSSL: boolean = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** Printed by tests skipped because openssl is missing. */
export const OPENSSL_SKIP_MESSAGE = 'TLS tests SKIPPED: the openssl CLI is not on PATH (Debian: apt-get install openssl).';

/**
 * Generates a fresh CA, server and client certificates (EC P-256, valid one day) into a temporary
 * folder. Keys are unencrypted: they exist for the length of a test.
 */
export function testCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'mneme-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
    );
    return file(`${name}.crt`);
  };
  const leaf = (name: string, signer: string, extensions: string): CertificateFiles => {
    writeFileSync(file(`${name}.ext`), `${extensions}\n`);
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${signer}.crt`),
      '-CAkey',
      file(`${signer}.key`),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.crt`),
    );
    return { cert: file(`${name}.crt`), key: file(`${name}.key`) };
  };
  const caCert = ca('test-ca');
  const otherCa = ca('other-ca');
  return {
    dir,
    ca: caCert,
    server: leaf('localhost', 'test-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth'),
    client: leaf('test-client', 'test-ca', 'extendedKeyUsage=clientAuth'),
    named: leaf('stack.mneme.test', 'test-ca', 'subjectAltName=DNS:stack.mneme.test\nextendedKeyUsage=serverAuth,clientAuth'),
    otherCa,
    otherClient: leaf('other-client', 'other-ca', 'extendedKeyUsage=clientAuth'),
    pem: (path) => readFileSync(path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
