import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MnemeError } from '@mneme/errors';
import { writeFileAtomic } from '@mneme/model-store';
import { DEFAULT_TENANT } from '@mneme/rpc';

const OWNER_FILE = 'owner.json';

/**
 * Durable owners of a service's resources (memories, pools, synthetic sets): one small
 * `owner.json` in each resource's folder, written atomically when the resource is created.
 * Resources without one predate tenants and belong to the default tenant.
 */
export class ResourceOwners {
  private readonly cache = new Map<string, string>();

  /** @param dirOf the folder of the resource with this id */
  constructor(private readonly dirOf: (id: string) => string) {}

  /** True when an owner was recorded for the resource. */
  async recorded(id: string): Promise<boolean> {
    if (this.cache.has(id)) return true;
    return readFile(join(this.dirOf(id), OWNER_FILE)).then(
      () => true,
      () => false,
    );
  }

  /** The resource's owner: the recorded tenant, else the default tenant. */
  async ownerOf(id: string): Promise<string> {
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const text = await readFile(join(this.dirOf(id), OWNER_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    const owner = text === undefined ? DEFAULT_TENANT : (JSON.parse(text) as { tenant: string }).tenant;
    this.cache.set(id, owner);
    return owner;
  }

  /**
   * Records `tenant` as the owner of a resource about to be created, or confirms it owns it
   * already. Another tenant's resource is already-exists (ids are one namespace across tenants),
   * without saying whose it is.
   */
  async claim(id: string, tenant: string, exists: boolean): Promise<void> {
    if (exists) {
      if ((await this.ownerOf(id)) !== tenant) throw new MnemeError('already-exists', `id '${id}' is taken; choose another`);
      return;
    }
    await writeFileAtomic(join(this.dirOf(id), OWNER_FILE), JSON.stringify({ tenant }));
    this.cache.set(id, tenant);
  }

  /** Throws `notFound()` (the very error a missing resource gets) unless `tenant` owns the resource. */
  async require(id: string, tenant: string, notFound: () => Error): Promise<void> {
    if ((await this.ownerOf(id)) !== tenant) throw notFound();
  }
}
