import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@mneme/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkajsSecurity, loadKafkaSecurity, type KafkaSecuritySettings } from './kafka-security.js';

const dir = mkdtempSync(join(tmpdir(), 'mneme-kafka-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// Contents are not parsed here (Node's TLS does it when connecting): any PEM block will do.
const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

function problems(settings: KafkaSecuritySettings): readonly string[] {
  try {
    loadKafkaSecurity(settings);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).problems;
  }
  throw new Error('expected a refusal');
}

describe('Kafka security from configuration', () => {
  it('is plaintext without SASL when nothing is set', () => {
    expect(loadKafkaSecurity({})).toEqual({});
    expect(kafkajsSecurity(loadKafkaSecurity({}))).toEqual({});
  });

  it('maps TLS with the system roots, and with a CA and a client certificate, to kafkajs ssl', () => {
    expect(kafkajsSecurity(loadKafkaSecurity({ tls: true }))).toEqual({ ssl: true });
    const ca = file('ca.crt', PEM);
    const security = loadKafkaSecurity({
      tlsCa: ca,
      tlsCert: file('user.crt', PEM),
      tlsKey: file('user.key', PEM.replaceAll('CERTIFICATE', 'PRIVATE KEY')),
    });
    const { ssl } = kafkajsSecurity(security);
    expect(ssl).toMatchObject({ ca: [Buffer.from(PEM)], cert: Buffer.from(PEM) });
    expect((ssl as { key: Buffer }).key.toString()).toContain('PRIVATE KEY');
  });

  it('maps SCRAM-SHA-512 with the password read from its file (without the trailing newline)', () => {
    const security = loadKafkaSecurity({
      saslMechanism: 'scram-sha-512',
      saslUsername: 'trainer',
      saslPasswordFile: file('password', 's3cret\n'),
    });
    expect(kafkajsSecurity(security)).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'trainer', password: 's3cret' } });
    expect(
      kafkajsSecurity(loadKafkaSecurity({ saslMechanism: 'plain', saslUsername: 'u', saslPasswordFile: file('p2', 'x') })).sasl,
    ).toMatchObject({ mechanism: 'plain' });
  });

  it('refuses incomplete or unreadable settings, naming each variable and the fix', () => {
    expect(problems({ saslMechanism: 'scram-sha-512' })).toEqual([
      'MNEME_KAFKA_SASL_MECHANISM=scram-sha-512 needs a user: set MNEME_KAFKA_SASL_USERNAME',
      'MNEME_KAFKA_SASL_MECHANISM=scram-sha-512 needs a password: set MNEME_KAFKA_SASL_PASSWORD_FILE to a file holding it',
    ]);
    expect(problems({ saslUsername: 'u' })).toEqual([
      expect.stringMatching(/^MNEME_KAFKA_SASL_USERNAME is set but MNEME_KAFKA_SASL_MECHANISM is not/),
    ]);
    expect(problems({ saslMechanism: 'scram-sha-512', saslUsername: 'u', saslPasswordFile: join(dir, 'missing') })).toEqual([
      expect.stringMatching(/^MNEME_KAFKA_SASL_PASSWORD_FILE='.*missing': cannot read the file \(ENOENT\)/),
    ]);
    expect(problems({ saslMechanism: 'scram-sha-512', saslUsername: 'u', saslPasswordFile: file('empty', '\n') })).toEqual([
      expect.stringContaining('the file is empty'),
    ]);
    expect(problems({ tlsCert: file('c.crt', PEM) })).toEqual([
      expect.stringMatching(/^MNEME_KAFKA_TLS_CERT is set but MNEME_KAFKA_TLS_KEY is not/),
    ]);
    expect(problems({ tlsCa: file('not-pem', 'hello') })).toEqual([expect.stringMatching(/^MNEME_KAFKA_TLS_CA=.*holds no PEM block/)]);
  });
});
