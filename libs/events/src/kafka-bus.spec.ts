import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { silentEventLogger } from './event-logger.js';
import { KafkaBus } from './kafka-bus.js';

// No broker needed: option checks and the failure a service sees when Kafka is down.
describe('KafkaBus without a broker', () => {
  it('lists every bad option at once', () => {
    const error = (() => {
      try {
        new KafkaBus({ brokers: ['nohost', 'h:1'], topicPrefix: 'a b', closeGraceMs: 0, retry: { initialMs: -1 } });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toEqual([
      'broker "nohost" is not host:port',
      'topicPrefix "a b" may only hold letters, digits, ".", "_" and "-"',
      'closeGraceMs must be a positive integer, got 0',
      'retry.initialMs must be a finite number >= 0, got -1',
    ]);
    expect(() => new KafkaBus({ brokers: [] })).toThrow(/MNEME_KAFKA_BROKERS/);
  });

  it('maps an unreachable broker to an `unavailable` error naming the brokers', async () => {
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, clientRetries: 0, logger: silentEventLogger });
    const error = await bus.ensureTopics(['t']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MnemeError);
    expect((error as MnemeError).kind).toBe('unavailable');
    expect((error as MnemeError).message).toMatch(/creating topics failed: Kafka at 127\.0\.0\.1:1 did not answer/);
    await expect(bus.publish('t', 'k', new Uint8Array([1]))).rejects.toThrow(/connecting the producer failed/);
    await bus.close();
    await expect(bus.publish('t', 'k', new Uint8Array([1]))).rejects.toThrow(/closed/);
  });

  it('refuses a bad subscription before it connects', async () => {
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, clientRetries: 0, logger: silentEventLogger });
    await expect(bus.subscribe(['t', 't', ''], '', async () => undefined, { concurrency: 0 })).rejects.toMatchObject({
      problems: ['topic is empty', 'topics repeat: t, t, ', 'consumer group is empty', 'concurrency must be a positive integer, got 0'],
    });
    await bus.close();
  });

  it('hashes keys over every partition (that they match the producer is checked against a broker)', () => {
    expect(new Set(Array.from({ length: 200 }, (_, i) => KafkaBus.partitionOf(`m-${i}`, 4)))).toEqual(new Set([0, 1, 2, 3]));
    expect(() => KafkaBus.partitionOf('m', 0)).toThrow(/positive integer/);
  });

  it('prefixes wire topic names', () => {
    expect(new KafkaBus({ brokers: ['127.0.0.1:19092'], topicPrefix: 'staging.' }).wireTopic('mneme.samples.v1')).toBe(
      'staging.mneme.samples.v1',
    );
  });
});
