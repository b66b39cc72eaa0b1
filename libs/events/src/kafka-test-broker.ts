/** Where integration tests (of this and other projects) find a Kafka broker, and whether they must. */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';

/** Brokers the integration tests use: MNEME_KAFKA_BROKERS, else the tools/kafka broker. */
export const TEST_BROKERS: readonly string[] = (process.env['MNEME_KAFKA_BROKERS'] ?? '127.0.0.1:19092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b !== '');

/** Set (to anything but "" or "0") where a missing broker must fail the tests instead of skipping them: CI. */
export const BROKER_REQUIRED = !['', '0', undefined].includes(process.env['MNEME_KAFKA_REQUIRED']);

/** The same broker's SASL_SSL listener (TLS + SCRAM-SHA-512): MNEME_KAFKA_SASL_TEST_BROKERS, else the tools/kafka one. */
export const TEST_SASL_BROKERS: readonly string[] = (process.env['MNEME_KAFKA_SASL_TEST_BROKERS'] ?? '127.0.0.1:19094')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b !== '');

/** The CA of that listener's certificate: MNEME_KAFKA_SASL_TEST_CA, else the one tools/kafka/kafka.sh made. */
export const TEST_SASL_CA: string =
  process.env['MNEME_KAFKA_SASL_TEST_CA'] ?? resolve(import.meta.dirname, '../../../.mneme/kafka/tls/ca.crt');

/** Whether the CA file of the SASL_SSL listener is there. */
export const saslCaPresent = (): boolean => existsSync(TEST_SASL_CA);

/** The SCRAM-SHA-512 user tools/kafka/kafka.sh creates on its test broker (loopback only, test data). */
export const TEST_SASL_USER = Object.freeze({ username: 'mneme-test', password: 'mneme-test-secret' });

/** Whether a TCP connection to the first of `brokers` opens within `timeoutMs`. */
export function brokerAnswers(timeoutMs = 2_000, brokers: readonly string[] = TEST_BROKERS): Promise<boolean> {
  const [host, port] = splitHostPort(brokers[0] ?? '');
  if (host === '' || !(port > 0)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return at < 0 ? [address, 0] : [address.slice(0, at), Number(address.slice(at + 1))];
}

/** The message printed when the Kafka tests are skipped, saying how to run them. */
export const SKIP_MESSAGE =
  `Kafka integration tests SKIPPED: no broker answers at ${TEST_BROKERS.join(',')}. ` +
  'Start one with `bash tools/kafka/kafka.sh start` (or point MNEME_KAFKA_BROKERS at one); ' +
  'MNEME_KAFKA_REQUIRED=1 turns this skip into a failure.';

/** The message printed when the SASL tests are skipped. */
export const SASL_SKIP_MESSAGE =
  `Kafka TLS/SASL tests SKIPPED: no SASL_SSL listener answers at ${TEST_SASL_BROKERS.join(',')}, or its CA ${TEST_SASL_CA} is missing. ` +
  'tools/kafka/kafka.sh opens one on storage it formatted (`bash tools/kafka/kafka.sh reset` then `start` re-formats), ' +
  'or point MNEME_KAFKA_SASL_TEST_BROKERS and MNEME_KAFKA_SASL_TEST_CA at one; MNEME_KAFKA_REQUIRED=1 turns this skip into a failure.';
