import type { EventHeader } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { modelIdProblem, modelNotFound, type ModelRecord } from '@mneme/model-store';
import { DEFAULT_TENANT } from '@mneme/rpc';

/** The tenant that owns a model: records without one predate tenants and are the default tenant's. */
export function ownerOf(record: Pick<ModelRecord, 'tenant'>): string {
  return record.tenant ?? DEFAULT_TENANT;
}

/** The tenant an event acts for; an empty header tenant (open mode, older producers) is the default tenant. */
export function eventTenant(header: Pick<EventHeader, 'tenant'>): string {
  return header.tenant === '' ? DEFAULT_TENANT : header.tenant;
}

/**
 * Answers "does this tenant own this model?" for services that read the shared model store. A
 * model's owner never changes and models are never deleted, so owners are cached once found.
 */
export class ModelOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly store: { findModel(modelId: string): Promise<ModelRecord | undefined> }) {}

  /** The owner of `modelId`, or undefined when no such model exists. */
  async ownerOf(modelId: string): Promise<string | undefined> {
    const hit = this.owners.get(modelId);
    if (hit !== undefined) return hit;
    const record = await this.store.findModel(modelId);
    if (record === undefined) return undefined;
    this.owners.set(modelId, ownerOf(record));
    return ownerOf(record);
  }

  /**
   * Resolves when `tenant` owns `modelId`. A malformed id is invalid-argument; a missing model and
   * another tenant's model throw the same not-found, so callers cannot learn which ids exist.
   */
  async require(modelId: string, tenant: string): Promise<void> {
    const problem = modelIdProblem(modelId);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    if ((await this.ownerOf(modelId)) !== tenant) throw modelNotFound(modelId);
  }

  /** Throws invalid-argument (the consumer dead-letters the event) when the event's tenant does not own its model. */
  async checkEvent(modelId: string, header: EventHeader): Promise<void> {
    const tenant = eventTenant(header);
    const owner = await this.ownerOf(modelId);
    if (owner === undefined) throw new InvalidArgumentError(`model '${modelId}' does not exist`);
    if (owner !== tenant)
      throw new InvalidArgumentError(`event ${header.eventId} acts for tenant '${tenant}', which does not own model '${modelId}'`);
  }
}
