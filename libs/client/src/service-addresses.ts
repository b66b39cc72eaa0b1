import { InvalidArgumentError } from '@mneme/errors';

/**
 * Every service behind one address, as `host:port`: the embedded stack (`mneme up` serves the
 * trainer, encoder and evaluator on one port) or a gateway that routes each service.
 */
export interface SingleAddress {
  readonly address: string;
  readonly trainer?: never;
  readonly encoder?: never;
  readonly evaluator?: never;
}

/** One address per service, as `host:port` (e.g. one Kubernetes Service each). */
export interface PerServiceAddresses {
  readonly trainer: string;
  readonly encoder: string;
  readonly evaluator: string;
  readonly address?: never;
}

/** Where the services listen: one address for all of them, or one per service. A string is short for `{ address }`. */
export type ServiceAddresses = string | SingleAddress | PerServiceAddresses;

/** The address of each service the client calls. */
export interface ResolvedAddresses {
  readonly trainer: string;
  readonly encoder: string;
  readonly evaluator: string;
}

const SERVICES = ['trainer', 'encoder', 'evaluator'] as const;
const FORMS = '{ address } (one address for every service: the embedded stack or a gateway) or { trainer, encoder, evaluator }';

/**
 * Checks the addresses given to `connect` and returns the address of each service. Checked at run
 * time too, since JavaScript callers get no help from the types.
 * @throws InvalidArgumentError naming what is missing, extra or malformed
 */
export function resolveAddresses(addresses: ServiceAddresses): ResolvedAddresses {
  if (typeof addresses === 'string') return { trainer: checked('address', addresses), encoder: addresses, evaluator: addresses };
  if (addresses === null || typeof addresses !== 'object' || Array.isArray(addresses)) {
    throw new InvalidArgumentError(`connect needs ${FORMS}, got ${describe(addresses)}`);
  }
  // Looked at key by key: JavaScript callers may pass any object.
  const fields = addresses as unknown as Readonly<Record<string, unknown>>;
  const keys = Object.keys(fields).filter((k) => fields[k] !== undefined);
  const unknown = keys.filter((k) => k !== 'address' && !(SERVICES as readonly string[]).includes(k));
  if (unknown.length > 0) throw new InvalidArgumentError(`connect: unknown address key ${unknown.join(', ')}; it takes ${FORMS}`);
  const perService = SERVICES.filter((s) => keys.includes(s));
  if (keys.includes('address')) {
    if (perService.length > 0)
      throw new InvalidArgumentError(
        `connect takes either { address } or { trainer, encoder, evaluator }, not both: got address and ${perService.join(', ')}`,
      );
    const address = checked('address', fields.address);
    return { trainer: address, encoder: address, evaluator: address };
  }
  if (perService.length === 0) throw new InvalidArgumentError(`connect needs ${FORMS}, got an object without addresses`);
  const missing = SERVICES.filter((s) => !keys.includes(s));
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `connect: per-service addresses need trainer, encoder and evaluator; ${missing.join(', ')} missing (or give one { address } for all)`,
    );
  }
  return {
    trainer: checked('trainer', fields.trainer),
    encoder: checked('encoder', fields.encoder),
    evaluator: checked('evaluator', fields.evaluator),
  };
}

/** A gRPC target: `host:port`, or a name resolver's URI such as `dns:///host:port`; never empty or with spaces. */
function checked(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value)) {
    throw new InvalidArgumentError(`connect: ${name} must be a "host:port" string, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
