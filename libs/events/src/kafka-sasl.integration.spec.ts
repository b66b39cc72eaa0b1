import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { silentEventLogger } from './event-logger.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { loadKafkaSecurity, type KafkaSecurity } from './kafka-security.js';
import {
  BROKER_REQUIRED,
  brokerAnswers,
  saslCaPresent,
  SASL_SKIP_MESSAGE,
  TEST_SASL_BROKERS,
  TEST_SASL_CA,
  TEST_SASL_USER,
} from './kafka-test-broker.js';

const available = saslCaPresent() && (await brokerAnswers(2_000, TEST_SASL_BROKERS));
if (!available) {
  if (BROKER_REQUIRED) throw new Error(SASL_SKIP_MESSAGE.replace('SKIPPED', 'REQUIRED but unavailable'));
  console.warn(SASL_SKIP_MESSAGE);
}

const PREFIX = `test-sasl-${randomUUID().slice(0, 8)}.`;
const options = (security: KafkaSecurity): KafkaBusOptions => ({
  brokers: TEST_SASL_BROKERS,
  topicPrefix: PREFIX,
  logger: silentEventLogger,
  clientRetries: 0,
  security,
});
const scram = (password: string) => ({ mechanism: 'scram-sha-512', username: TEST_SASL_USER.username, password }) as const;

async function refusal(bus: KafkaBus): Promise<MnemeError> {
  const err = await bus.partitionCounts([TOPICS.samples]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MnemeError);
  return err as MnemeError;
}

// The listener of tools/kafka/kafka.sh that looks like a Strimzi one: TLS from a private CA and SCRAM-SHA-512.
describe.skipIf(!available)(`KafkaBus over TLS with SASL/SCRAM-SHA-512 on ${TEST_SASL_BROKERS.join(',')}`, () => {
  const buses: KafkaBus[] = [];
  const bus = (security: KafkaSecurity) => {
    const b = new KafkaBus(options(security));
    buses.push(b);
    return b;
  };
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  it('trusts the CA and authenticates with the right password: creates topics and publishes', async () => {
    // As a service loads it: the CA and the password from files, the mechanism and user from settings.
    const dir = mkdtempSync(join(tmpdir(), 'mneme-sasl-'));
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${TEST_SASL_USER.password}\n`);
    const b = bus(
      loadKafkaSecurity({
        tlsCa: TEST_SASL_CA,
        saslMechanism: 'scram-sha-512',
        saslUsername: TEST_SASL_USER.username,
        saslPasswordFile: passwordFile,
      }),
    );
    rmSync(dir, { recursive: true, force: true });
    await b.ensureTopics([TOPICS.samples], { partitions: 1 });
    await b.publish(TOPICS.samples, 'model-a', new Uint8Array([1, 2, 3]));
    expect((await b.partitionCounts([TOPICS.samples])).get(TOPICS.samples)).toBe(1);
  }, 30_000);

  it('is refused with a wrong password, as UNAVAILABLE', async () => {
    const err = await refusal(bus({ tls: loadKafkaSecurity({ tlsCa: TEST_SASL_CA }).tls!, sasl: scram('wrong-password') }));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(/authentication/i);
  }, 30_000);

  it('fails without the CA (the system roots do not know it), and without TLS', async () => {
    expect((await refusal(bus({ tls: true, sasl: scram(TEST_SASL_USER.password) }))).kind).toBe('unavailable');
    expect((await refusal(bus({ sasl: scram(TEST_SASL_USER.password) }))).kind).toBe('unavailable');
  }, 30_000);
});
