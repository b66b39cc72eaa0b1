import { join } from 'node:path';
import { MemoryPolicy, ReplayMemoryServiceService, type MemoryStats } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import { modelIdProblem } from '@mneme/model-store';
import { defineService } from '@mneme/rpc';
import {
  DEFAULT_SERVICE_LIMITS,
  idListProblems,
  ResourceOwners,
  type ServiceDeps,
  type ServiceLimits,
  type ServiceModule,
} from '@mneme/service-runtime';
import { limitProblem } from '@mneme/config';
import { checkAddSamples, checkRetrieveInterfered, checkSampleMemory } from './request-checks.js';
import type { ClassifierSource } from '@mneme/service-runtime';
import { MemoryFiles, type JournalOp } from './memory-files.js';
import { retrieveInterfered } from './mir-retrieval.js';
import { ModelMemory, type MemoryConfig, type MemoryPolicyName } from './model-memory.js';

/** Options of {@link createReplayMemoryService}. */
export interface ReplayMemoryOptions {
  /**
   * Resolves the model versions RetrieveInterfered scores with. Without one, RetrieveInterfered
   * fails with FAILED_PRECONDITION (the other RPCs need no model).
   */
  readonly classifiers?: ClassifierSource;
  /** Journal bytes past which a memory's journal is folded into its snapshot (and twice the snapshot). @default 1 MiB */
  readonly compactBytes?: number;
}

const POLICIES: Readonly<Record<number, MemoryPolicyName>> = Object.freeze({
  [MemoryPolicy.MEMORY_POLICY_UNSPECIFIED]: 'reservoir',
  [MemoryPolicy.MEMORY_POLICY_RESERVOIR]: 'reservoir',
  [MemoryPolicy.MEMORY_POLICY_CLASS_BALANCED]: 'class-balanced',
  [MemoryPolicy.MEMORY_POLICY_REPLICA]: 'replica',
});
const WIRE_POLICIES: Readonly<Record<MemoryPolicyName, MemoryPolicy>> = Object.freeze({
  reservoir: MemoryPolicy.MEMORY_POLICY_RESERVOIR,
  'class-balanced': MemoryPolicy.MEMORY_POLICY_CLASS_BALANCED,
  replica: MemoryPolicy.MEMORY_POLICY_REPLICA,
});

/**
 * The replay-memory service (replay_memory.proto): one bounded memory per model, kept under
 * `<dataDir>/replay-memory/<model>/` as a snapshot plus a journal of mutations (MemoryFiles); each
 * mutating call is journalled (fsynced) before it answers, and memories are reloaded when the
 * service is created.
 */
export async function createReplayMemoryService(deps: ServiceDeps, options: ReplayMemoryOptions = {}): Promise<ServiceModule> {
  const root = join(deps.dataDir, 'replay-memory');
  const files = new MemoryFiles(root, options.compactBytes);
  const limits = deps.limits ?? DEFAULT_SERVICE_LIMITS;
  const memories = await files.loadAll();
  // A model's mutations are serialised (each changes the memory and journals it); different
  // models' run side by side, so their journal fsyncs overlap instead of queueing behind each other.
  const queues = new Map<string, Promise<unknown>>();
  const serially = <T>(modelId: string, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(modelId) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(modelId, tail);
    void tail.then(() => queues.get(modelId) === tail && queues.delete(modelId));
    return next;
  };
  const memoryOf = (modelId: string): ModelMemory => {
    const problem = modelIdProblem(modelId);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    const memory = memories.get(modelId);
    if (memory === undefined) throw memoryNotFound(modelId);
    return memory;
  };
  /**
   * Applies `change` to a model's memory and journals `op`. A change validates the whole request
   * before it changes anything; when the journal write fails, the memory is reloaded from disk, so
   * memory and disk never disagree about an unanswered mutation.
   */
  const mutate = <T>(modelId: string, op: JournalOp, change: (memory: ModelMemory) => T): Promise<T> =>
    serially(modelId, async () => {
      const memory = memoryOf(modelId);
      const result = change(memory);
      try {
        await files.append(memory, op);
      } catch (err) {
        const reloaded = await files.reload(modelId);
        if (reloaded === undefined) memories.delete(modelId);
        else memories.set(modelId, reloaded);
        throw err;
      }
      return result;
    });

  // A memory belongs to the tenant that created it (for a trainer: the model's owner it acts for).
  const owners = new ResourceOwners((modelId) => join(root, modelId));
  /** The memory if `tenant` owns it; another tenant's is not found, exactly like a missing one. */
  const ownedMemory = async (modelId: string, tenant: string): Promise<ModelMemory> => {
    const memory = memoryOf(modelId);
    await owners.require(modelId, tenant, () => memoryNotFound(modelId));
    return memory;
  };

  const binding = defineService(ReplayMemoryServiceService, {
    createMemory: (req, ctx) =>
      serially(req.modelId, async () => {
        const config = memoryConfig(req.modelId, req.capacity, req.policy, req.seed, limits);
        const existing = memories.get(req.modelId);
        if (existing !== undefined) await owners.claim(req.modelId, ctx.principal.tenant, true);
        existing?.checkWriter(req.writerEpoch);
        if (!req.replace && existing !== undefined && existing.size > 0 && !sameConfig(existing.config, config)) {
          throw new MnemeError(
            'failed-precondition',
            `the memory of '${req.modelId}' holds ${existing.size} samples and cannot be reconfigured; delete them first, or set replace`,
          );
        }
        if (req.replace || existing === undefined || !sameConfig(existing.config, config) || req.writerEpoch > existing.writerEpoch) {
          const memory =
            req.replace || existing === undefined || existing.size === 0
              ? ModelMemory.create(req.modelId, config, req.writerEpoch)
              : existing.withWriter(req.writerEpoch);
          await files.save(memory);
          if (existing === undefined) await owners.claim(req.modelId, ctx.principal.tenant, false);
          memories.set(req.modelId, memory);
        }
        return { stats: statsOf(memories.get(req.modelId)!) };
      }),
    addSamples: async (req, ctx) => {
      // Ownership first: another tenant's memory is missing, whatever else is wrong with the request.
      const owned = await ownedMemory(req.modelId, ctx.principal.tenant);
      checkAddSamples(req, limits, owned.knownLabels());
      const { stored, evicted } = await mutate(req.modelId, { op: 'add', samples: req.samples, remove: req.removeIds }, (m) => {
        m.checkWriter(req.writerEpoch);
        return m.add(req.samples, req.removeIds);
      });
      return { storedIds: stored, evictedIds: evicted, stats: statsOf(memoryOf(req.modelId)) };
    },
    sampleMemory: async (req, ctx) => {
      checkSampleMemory(req, limits);
      const exclude = new Set(req.excludeLabels);
      return {
        samples: [
          ...(await ownedMemory(req.modelId, ctx.principal.tenant)).draw(req.count, req.seed % 2 ** 32, (label) => !exclude.has(label))
            .samples,
        ],
      };
    },
    retrieveInterfered: async (req, ctx) => {
      const memory = await ownedMemory(req.model?.modelId ?? '', ctx.principal.tenant);
      checkRetrieveInterfered(req, limits);
      if (options.classifiers === undefined)
        throw new MnemeError(
          'failed-precondition',
          'this replay-memory service has no model source configured, so it cannot score candidates',
        );
      const classifier = await options.classifiers.resolve(req.model!);
      const { samples, interference } = await retrieveInterfered(deps.executor, classifier, memory, req);
      return { retrieved: [...samples], interference: [...interference] };
    },
    deleteSamples: async (req, ctx) => {
      await ownedMemory(req.modelId, ctx.principal.tenant);
      const problems = idListProblems('sample_ids', req.sampleIds, limits);
      if (problems.length > 0) throw new InvalidArgumentError(problems);
      const { deleted, missing } = await mutate(req.modelId, { op: 'delete', ids: req.sampleIds }, (m) => m.delete(req.sampleIds));
      return { deletedIds: deleted, missingIds: missing };
    },
    describeMemory: async (req, ctx) => ({ stats: statsOf(await ownedMemory(req.modelId, ctx.principal.tenant)) }),
  });

  return {
    name: 'replay-memory',
    bindings: [binding],
    // Every answered mutation is on disk already; wait for those in flight.
    stop: async () => {
      await Promise.all(queues.values());
      await files.close();
    },
  };
}

/** @throws InvalidArgumentError listing every bad field of a CreateMemory request */
/** The error for a missing memory; also sent for another tenant's, so the two cannot be told apart. */
function memoryNotFound(modelId: string): NotFoundError {
  return new NotFoundError(`model '${modelId}' has no replay memory; call CreateMemory first`);
}

function memoryConfig(modelId: string, capacity: number, policy: MemoryPolicy, seed: number, limits: ServiceLimits): MemoryConfig {
  const problems: string[] = [];
  const idProblem = modelIdProblem(modelId);
  if (idProblem !== undefined) problems.push(idProblem);
  if (!(capacity > 0)) problems.push(`capacity must be positive, got ${capacity}`);
  // A replica's capacity is its trainer's (2^32 − 1 for a memory that keeps everything, as kNN's):
  // it holds only what its writer sends, each request bounded; storage grows with what is held.
  const over = policy === MemoryPolicy.MEMORY_POLICY_REPLICA ? undefined : limitProblem('capacity', capacity, 'maxMemoryCapacity', limits);
  if (over !== undefined) problems.push(over);
  const name = POLICIES[policy];
  if (name === undefined) problems.push(`policy ${String(policy)} is not a known MemoryPolicy`);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { capacity, policy: name!, seed: seed % 2 ** 32 };
}

function sameConfig(a: MemoryConfig, b: MemoryConfig): boolean {
  return a.capacity === b.capacity && a.policy === b.policy && a.seed === b.seed;
}

function statsOf(memory: ModelMemory): MemoryStats {
  const o = memory.occupancy();
  return {
    modelId: memory.modelId,
    size: o.size,
    capacity: o.capacity,
    policy: WIRE_POLICIES[o.policy],
    seen: o.seen,
    labelCounts: { ...o.labelCounts },
  };
}
