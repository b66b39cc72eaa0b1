import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'tools/kafka/kafka.sh');

/** A broker of its own for a test or probe that stops it: own ports, data and pid (`kafka.sh` with MNEME_KAFKA_HOME). */
export interface PrivateBroker {
  readonly address: string;
  start(): void;
  stop(): void;
  /** Stops it and deletes its data. */
  remove(): void;
}

/** Whether the broker's jars are here (`bash tools/kafka/kafka.sh fetch`; CI fetches them). */
export const HAVE_KAFKA_JARS: boolean = existsSync(join(ROOT, '.mneme/kafka/libs/.complete'));

/** A private broker on `port` (controller `port + 1`, SASL listener `port + 2`), not started yet. */
export function privateBroker(name: string, port: number): PrivateBroker {
  const env = {
    ...process.env,
    MNEME_KAFKA_HOME: join(ROOT, `.mneme/kafka-${name}`),
    MNEME_KAFKA_PORT: String(port),
    MNEME_KAFKA_CONTROLLER_PORT: String(port + 1),
    MNEME_KAFKA_SASL_PORT: String(port + 2),
  };
  const run = (command: string) => void execFileSync('bash', [SCRIPT, command], { env, stdio: 'ignore' });
  return { address: `127.0.0.1:${port}`, start: () => run('start'), stop: () => run('stop'), remove: () => run('reset') };
}
