import { DistillerServiceClient, type SyntheticSetRef } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { createClient, unary, type ClientTls, type PeerIdentity } from '@mneme/rpc';
import type { MemoryReplication } from './remote-memory-port.js';

/** Longest wait of a ForgetSamples for the services that hold copies of the samples. */
const FORGET_WAIT_MS = 15_000;

/**
 * Carries a data-deletion request beyond the trainer's own state: waits until the replay-memory
 * service's copy of the model's memory no longer holds the samples, and tells the distiller to drop
 * them from the buffers it distils from (naming the sets already distilled from them). Either
 * failure is UNAVAILABLE: the model has forgotten them (tombstoned, purged from its memories) and the
 * copies converge when the service is back; a retry of ForgetSamples is idempotent and confirms it.
 */
export async function forgetElsewhere(
  modelId: string,
  sampleIds: readonly string[],
  services: {
    replication?: MemoryReplication | undefined;
    distillerAddress?: string | undefined;
    tls?: ClientTls | undefined;
    peer?: PeerIdentity;
  },
): Promise<SyntheticSetRef[]> {
  const failures: string[] = [];
  if (services.replication !== undefined) {
    await withTimeout(services.replication.settled(), FORGET_WAIT_MS, 'the replay-memory service did not confirm within 15 s').catch(
      (err: unknown) => failures.push(`the replay-memory service's copy still holds them (${MnemeError.from(err).message})`),
    );
  }
  let sets: SyntheticSetRef[] = [];
  if (services.distillerAddress !== undefined) {
    const client = createClient(DistillerServiceClient, services.distillerAddress, { ...(services.peer ?? {}), tls: services.tls });
    try {
      sets = (await unary(client.forgetSourceSamples.bind(client), { modelId, sampleIds: [...sampleIds] }, { timeoutMs: FORGET_WAIT_MS }))
        .setsDistilledFromThem;
    } catch (err) {
      failures.push(`the distiller's buffers may still hold them (${MnemeError.from(err).message})`);
    } finally {
      client.close();
    }
  }
  if (failures.length > 0) {
    throw new MnemeError(
      'unavailable',
      `model '${modelId}' forgot the samples, but ${failures.join('; and ')}; retry ForgetSamples to finish`,
    );
  }
  return sets;
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MnemeError('deadline-exceeded', message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
