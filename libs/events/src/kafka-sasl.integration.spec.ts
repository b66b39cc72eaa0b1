import { randomUUID } from 'node:crypto';
import { TOPICS } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { silentEventLogger } from './event-logger.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { BROKER_REQUIRED, brokerAnswers, SASL_SKIP_MESSAGE, TEST_SASL_BROKERS, TEST_SASL_USER } from './kafka-test-broker.js';

const available = await brokerAnswers(2_000, TEST_SASL_BROKERS);
if (!available) {
  if (BROKER_REQUIRED) throw new Error(SASL_SKIP_MESSAGE.replace('SKIPPED', 'REQUIRED but unavailable'));
  console.warn(SASL_SKIP_MESSAGE);
}

const PREFIX = `test-sasl-${randomUUID().slice(0, 8)}.`;
const options = (password: string): KafkaBusOptions => ({
  brokers: TEST_SASL_BROKERS,
  topicPrefix: PREFIX,
  logger: silentEventLogger,
  clientRetries: 0,
  security: { sasl: { mechanism: 'scram-sha-512', username: TEST_SASL_USER.username, password } },
});

describe.skipIf(!available)(`KafkaBus with SASL/SCRAM-SHA-512 on ${TEST_SASL_BROKERS.join(',')}`, () => {
  const buses: KafkaBus[] = [];
  afterAll(async () => {
    for (const bus of buses) await bus.close();
  });

  it('authenticates with the right password: creates topics and publishes', async () => {
    const bus = new KafkaBus(options(TEST_SASL_USER.password));
    buses.push(bus);
    await bus.ensureTopics([TOPICS.samples], { partitions: 1 });
    await bus.publish(TOPICS.samples, 'model-a', new Uint8Array([1, 2, 3]));
    expect((await bus.partitionCounts([TOPICS.samples])).get(TOPICS.samples)).toBe(1);
  }, 30_000);

  it('is refused with a wrong password, as UNAVAILABLE naming the broker', async () => {
    const bus = new KafkaBus(options('wrong-password'));
    buses.push(bus);
    const err = await bus.partitionCounts([TOPICS.samples]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MnemeError);
    expect((err as MnemeError).kind).toBe('unavailable');
    expect((err as MnemeError).message).toMatch(/SASL SCRAM SHA512 authentication failed|authentication/i);
  }, 30_000);
});
