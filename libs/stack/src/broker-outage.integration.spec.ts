import { createExecutor, Engine } from '@mneme/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { runBrokerOutage } from './broker-outage-run.js';
import { HAVE_KAFKA_JARS, privateBroker } from './private-broker.test-util.js';

const REQUIRED = process.env['MNEME_KAFKA_REQUIRED'] === '1';
if (!HAVE_KAFKA_JARS) {
  if (REQUIRED) throw new Error('broker-outage test REQUIRED but the Kafka jars are missing: run `bash tools/kafka/kafka.sh fetch`');
  console.warn('broker-outage test SKIPPED: the Kafka jars are missing; run `bash tools/kafka/kafka.sh fetch`');
}

/** The broker stops for 30 s mid-ingest (a private broker: the shared test broker keeps running for the other tests). */
describe.skipIf(!HAVE_KAFKA_JARS)('a 30 s broker outage under the trainer', () => {
  const broker = privateBroker('outage', 19192);
  afterAll(() => broker.remove());

  it('answers UNAVAILABLE before the deadline while the broker is down, recovers, and loses and repeats nothing', async () => {
    broker.remove();
    broker.start();
    const executor = createExecutor(await Engine.create());
    const result = await runBrokerOutage({
      broker: broker.address,
      stopBroker: broker.stop,
      startBroker: broker.start,
      outageMs: 30_000,
      warmupMs: 3_000,
      executor,
    });
    console.info(`broker outage: ${JSON.stringify({ ...result, failureMs: result.failureMs.map(Math.round) })}`);
    // Only UNAVAILABLE (retry), answered before the client's 15 s deadline (never DEADLINE_EXCEEDED).
    expect(Object.keys(result.failures).filter((k) => !k.endsWith(':unavailable'))).toEqual([]);
    expect(result.failureMs.every((ms) => ms < 15_000)).toBe(true);
    expect(result.recoverySeconds).toBeGreaterThanOrEqual(0);
    expect(result.recoverySeconds).toBeLessThan(60);
    expect(result.trained).toBe(result.sent);
  }, 240_000);
});
