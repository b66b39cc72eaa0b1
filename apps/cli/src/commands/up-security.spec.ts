import { InvalidArgumentError } from '@mneme/errors';
import { HAVE_OPENSSL, OPENSSL_SKIP_MESSAGE, testCertificates, type TestCertificates } from '@mneme/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upSecurity } from './up-security.js';

if (!HAVE_OPENSSL) console.warn(OPENSSL_SKIP_MESSAGE);

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).problems;
  }
  throw new Error('expected a refusal');
}

describe.skipIf(!HAVE_OPENSSL)('mneme up: the TLS flags, falling back to the service variables', () => {
  let pki: TestCertificates;
  beforeAll(() => {
    pki = testCertificates();
  });
  afterAll(() => pki?.remove());

  it('is plaintext with nothing set', () => {
    expect(upSecurity({}, {})).toEqual({ tls: { server: undefined, client: undefined }, insecure: false, kafka: {} });
  });

  it('takes the variables, and a flag wins over its variable', () => {
    const fromEnv = upSecurity(
      {},
      { MNEME_TLS_CERT: pki.server.cert, MNEME_TLS_KEY: pki.server.key, MNEME_TLS_CLIENT_CA: pki.ca, MNEME_INSECURE: 'yes' },
    );
    expect(fromEnv.tls.server?.clientCa?.equals(pki.pem(pki.ca))).toBe(true);
    expect(fromEnv.insecure).toBe(true);
    const flagWins = upSecurity(
      { tlsCert: pki.named.cert, tlsKey: pki.named.key, insecure: true },
      { MNEME_TLS_CERT: `${pki.dir}/gone.pem`, MNEME_TLS_KEY: `${pki.dir}/gone.key` },
    );
    expect(flagWins.tls.server?.cert.equals(pki.pem(pki.named.cert))).toBe(true);
    expect(flagWins.insecure).toBe(true);
  });

  it('names the flag and the variable of each problem, and reads the Kafka variables', () => {
    expect(problems(() => upSecurity({ tlsKey: pki.server.key }, {}))).toEqual([
      expect.stringMatching(/^--tls-key \(MNEME_TLS_KEY\) is set but --tls-cert \(MNEME_TLS_CERT\) is not/),
    ]);
    expect(problems(() => upSecurity({}, { MNEME_INSECURE: 'ture' }))).toEqual([
      'MNEME_INSECURE: expected one of true, false, 1, 0, yes, no',
    ]);
    expect(problems(() => upSecurity({}, { MNEME_KAFKA_SASL_MECHANISM: 'scram-sha-512' }))[0]).toMatch(
      /MNEME_KAFKA_SASL_MECHANISM=scram-sha-512 needs a user/,
    );
  });
});
