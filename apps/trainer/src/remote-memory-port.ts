import { MemoryPolicy, ReplayMemoryServiceClient, type MemorySample as WireMemorySample } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import { listenedMemoryPort, type HeldRows, type MemoryDescription, type MemoryListener, type MemoryPort } from '@mneme/methods';
import { createClient, unary, type ClientTls, type Logger, type PeerIdentity } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';

/** Options of {@link remoteMemoryPort}. */
export interface RemoteMemoryOptions {
  /** `host:port` of the replay-memory service (resolved again after a failure: the service may have moved). */
  readonly address: () => string | undefined;
  /** TLS of the connection to the service; plaintext when absent. */
  readonly tls?: ClientTls | undefined;
  readonly modelId: string;
  /** The model's label names by class index. */
  readonly labels: () => readonly string[];
  /** The sample id logged at a log position (the strategies' sample ids are log positions). */
  readonly sampleIdAt: (position: number) => string | undefined;
  /** Seed recorded with the memory (the model's seed). */
  readonly seed: number;
  /** This trainer's ownership epoch of the model: the service refuses writes of older epochs. @default 0 */
  readonly writerEpoch?: number;
  readonly logger: Logger;
  /** Who the calls act for: the model's owner, with the trainer's service token. */
  readonly peer?: PeerIdentity;
  /** Samples per AddSamples request (requests stay bounded). @default 256 */
  readonly chunk?: number;
  /** First delay before retrying after the service failed; it doubles up to 5 s. @default 100 */
  readonly retryMs?: number;
  /**
   * How long changes gather before a sync goes out (as a Kafka producer's linger): training steps
   * change a few samples each, and one request per step would cost more than the step. @default 25
   */
  readonly lingerMs?: number;
}

/** How far the service's copy is behind the strategy's memory. */
export interface ReplicationStatus {
  /** Samples the strategy holds now. */
  readonly held: number;
  /** Changes (stores and removals) not yet acknowledged by the service. */
  readonly pending: number;
  /** Whether the next sync re-sends the whole held set (after a restore or a failure). */
  readonly resync: boolean;
  /** Why the last sync failed, until one succeeds. */
  readonly lastError: string | undefined;
}

/** The replication side of a remote memory port. */
export interface MemoryReplication {
  /** Undefined while the strategy has made no memory (it keeps no samples). */
  status(): ReplicationStatus | undefined;
  /** Resolves when the service holds what the strategy holds (now); rejects with the failure if a sync fails. */
  settled(): Promise<void>;
  /** Stops retrying and closes the client (pending changes are re-sent in full by the next owner). */
  close(): Promise<void>;
}

interface Row {
  readonly label: number;
  readonly experience: number;
  readonly features: Float32Array;
}

/**
 * The trainer's memory port: the strategy's memory runs its policy in the trainer (next to the live
 * weights, on the seeded stream `mneme run` uses, so a deployed model replays exactly what the
 * embedded run replays, with no network round trip on a training step), and every change of its
 * held set is replicated to the replay-memory service, which keeps the durable copy other clients
 * sample, describe and delete from (policy MEMORY_POLICY_REPLICA).
 *
 * Replication is asynchronous, ordered and coalesced: changes accumulate while one sync is in
 * flight and go out together (removals first, then the rows newly held, in bounded chunks), so
 * the pending set never exceeds the memory's capacity however slow the service is. The first sync
 * of a trainer, every restore (a checkpoint, a takeover) and any failed sync re-send the whole held
 * set with CreateMemory(replace), so the service's copy always converges to the strategy's memory,
 * also after a restart of either service.
 */
export function remoteMemoryPort(options: RemoteMemoryOptions): { port: MemoryPort; replication: MemoryReplication } {
  const chunk = options.chunk ?? 256;
  const writerEpoch = options.writerEpoch ?? 0;
  let client: ReplayMemoryServiceClient | undefined;
  let memory: MemoryDescription | undefined;
  // The held set as the strategy's memory reports it, and what the service has not acknowledged.
  const held = new Map<number, Row>();
  const pendingStores = new Set<number>();
  const pendingRemovals = new Set<number>();
  let resync = true;
  let lastError: string | undefined;
  let syncing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  const lingerMs = options.lingerMs ?? 25;
  let retryDelay = options.retryMs ?? 100;
  let closed = false;
  const waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  const keep = (rows: HeldRows) => {
    const width = memory!.inputSize;
    rows.ids.forEach((id, i) => {
      held.set(id, { label: rows.labels[i]!, experience: rows.experiences[i]!, features: rows.features.slice(i * width, (i + 1) * width) });
    });
  };
  const listener: MemoryListener = {
    stored: (rows) => {
      keep(rows);
      for (const id of rows.ids) pendingStores.add(id);
      schedule();
    },
    removed: (ids) => {
      for (const id of ids) {
        held.delete(id);
        // A row not sent yet needs no removal; one the service has (or may have) does.
        if (!pendingStores.delete(id)) pendingRemovals.add(id);
      }
      schedule();
    },
    replaced: (rows) => {
      held.clear();
      keep(rows);
      pendingStores.clear();
      pendingRemovals.clear();
      resync = true;
      schedule();
    },
  };

  const wire = (id: number): WireMemorySample => {
    const row = held.get(id)!;
    const sampleId = options.sampleIdAt(id);
    if (sampleId === undefined) throw new MnemeError('internal', `no sample id is logged at position ${id} of model '${options.modelId}'`);
    const label = options.labels()[row.label];
    if (label === undefined) throw new MnemeError('internal', `class ${row.label} of model '${options.modelId}' has no label name`);
    return {
      sample: {
        sampleId,
        label,
        metadata: {},
        input: { kind: { $case: 'features', value: toWire(tensor('float32', [row.features.length], row.features)) } },
      },
      experienceIndex: row.experience,
      features: undefined,
    };
  };

  const sync = async (): Promise<void> => {
    if (client === undefined) {
      const address = options.address();
      if (address === undefined) throw new MnemeError('unavailable', 'no replay-memory service address is configured');
      client = createClient(ReplayMemoryServiceClient, address, { ...(options.peer ?? {}), tls: options.tls });
    }
    const c = client;
    if (resync) {
      // Everything held now replaces whatever the service has; changes after this point are pending again.
      resync = false;
      const ids = [...held.keys()];
      pendingStores.clear();
      pendingRemovals.clear();
      const capacity = Number.isFinite(memory!.capacity) ? memory!.capacity : 2 ** 32 - 1;
      await unary(c.createMemory.bind(c), {
        modelId: options.modelId,
        capacity,
        policy: MemoryPolicy.MEMORY_POLICY_REPLICA,
        seed: options.seed >>> 0,
        replace: true,
        writerEpoch,
      });
      for (let i = 0; i < ids.length; i += chunk) {
        const part = ids.slice(i, i + chunk).filter((id) => held.has(id));
        if (part.length > 0)
          await unary(c.addSamples.bind(c), { modelId: options.modelId, samples: part.map(wire), removeIds: [], writerEpoch });
      }
      return;
    }
    // Removals travel with the first chunk of stores: one request, one journalled mutation, and
    // the copy never holds more than the capacity.
    let removals = [...pendingRemovals].map((id) => options.sampleIdAt(id) ?? '');
    pendingRemovals.clear();
    const stores = [...pendingStores];
    pendingStores.clear();
    for (let i = 0; i < stores.length || removals.length > 0; i += chunk) {
      // A row removed while earlier chunks were in flight is not sent (its removal is pending).
      const part = stores.slice(i, i + chunk).filter((id) => held.has(id));
      await unary(c.addSamples.bind(c), { modelId: options.modelId, samples: part.map(wire), removeIds: removals, writerEpoch });
      removals = [];
    }
  };

  const idle = () => !resync && pendingStores.size === 0 && pendingRemovals.size === 0;
  const settle = (err?: unknown) => {
    for (const w of waiters.splice(0))
      if (err === undefined) w.resolve();
      else w.reject(err);
  };

  /** Starts a sync after the linger (at once when someone waits for the copy). */
  function schedule(now = false): void {
    if (closed || syncing !== undefined || retryTimer !== undefined || memory === undefined) return;
    if (idle()) return settle();
    if (!now && waiters.length === 0) {
      lingerTimer ??= setTimeout(() => {
        lingerTimer = undefined;
        schedule(true);
      }, lingerMs).unref();
      return;
    }
    if (lingerTimer !== undefined) clearTimeout(lingerTimer);
    lingerTimer = undefined;
    syncing = (async () => {
      try {
        while (!closed && !idle()) await sync();
        lastError = undefined;
        retryDelay = options.retryMs ?? 100;
        settle();
      } catch (err) {
        // The service's copy is now unknown: the next sync re-sends everything, on a fresh channel.
        resync = true;
        client?.close();
        client = undefined;
        const reason = MnemeError.from(err).message;
        if (reason !== lastError)
          options.logger.warn('replay memory replication failed; retrying with a full re-sync', { model: options.modelId, reason });
        lastError = reason;
        settle(err);
        if (!closed) {
          retryTimer = setTimeout(() => {
            retryTimer = undefined;
            schedule(true);
          }, retryDelay);
          retryTimer.unref();
          retryDelay = Math.min(5000, retryDelay * 2);
        }
      } finally {
        syncing = undefined;
      }
      // Changes or waiters that arrived as the loop ended get their own sync.
      if (waiters.length > 0 || !idle()) schedule(waiters.length > 0);
    })();
  }

  const port = listenedMemoryPort((described) => {
    if (memory !== undefined)
      throw new MnemeError('internal', `model '${options.modelId}' asked for a second replay memory; the service keeps one per model`);
    memory = described;
    schedule();
    return listener;
  });

  return {
    port,
    replication: {
      status: () =>
        memory === undefined ? undefined : { held: held.size, pending: pendingStores.size + pendingRemovals.size, resync, lastError },
      settled: () => {
        if (memory === undefined || (idle() && syncing === undefined)) return Promise.resolve();
        if (closed)
          return Promise.reject(
            new MnemeError('unavailable', `the replay memory of '${options.modelId}' was closed before its copy caught up`),
          );
        return new Promise<void>((resolve, reject) => {
          waiters.push({ resolve, reject });
          schedule(true);
        });
      },
      close: async () => {
        closed = true;
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        if (lingerTimer !== undefined) clearTimeout(lingerTimer);
        retryTimer = lingerTimer = undefined;
        await syncing?.catch(() => undefined);
        settle(new MnemeError('unavailable', `the replay memory of '${options.modelId}' was closed`));
        client?.close();
      },
    },
  };
}
