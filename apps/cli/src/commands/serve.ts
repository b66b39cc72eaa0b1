import { startServiceProcess } from '@mneme/service-runtime';
import { serviceFactory } from '@mneme/stack';

/**
 * `mneme serve <name>`: one service in this process, configured from the environment
 * (MNEME_GRPC_PORT, MNEME_KAFKA_BROKERS, MNEME_DATA_DIR, ...; see deploy/README.md). This is the
 * container entry point; it stops gracefully on SIGTERM.
 */
export async function serveCommand(name: string): Promise<void> {
  await startServiceProcess(name, serviceFactory(name));
}
