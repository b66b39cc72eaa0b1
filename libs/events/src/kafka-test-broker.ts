/** Where integration tests (of this and other projects) find a Kafka broker, and whether they must. */
import { connect } from 'node:net';

/** Brokers the integration tests use: MNEME_KAFKA_BROKERS, else the tools/kafka broker. */
export const TEST_BROKERS: readonly string[] = (process.env['MNEME_KAFKA_BROKERS'] ?? '127.0.0.1:19092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b !== '');

/** Set (to anything but "" or "0") where a missing broker must fail the tests instead of skipping them: CI. */
export const BROKER_REQUIRED = !['', '0', undefined].includes(process.env['MNEME_KAFKA_REQUIRED']);

/** Whether a TCP connection to the first broker opens within `timeoutMs`. */
export function brokerAnswers(timeoutMs = 2_000): Promise<boolean> {
  const [host, port] = splitHostPort(TEST_BROKERS[0] ?? '');
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
