import { ConfigSchemaError } from './config-error.js';
/** Optional inclusive bounds on a numeric option. */
export interface Range {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}

/**
 * The bounds as words for an `accepts` text: ` 1..65535`, ` >= 0`, ` <= 10`, or nothing.
 * `show` writes a bound in the field's own units (e.g. `10s` for a duration).
 */
export function rangeText(range: Range, show: (value: number) => string = String): string {
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return ` ${show(min)}..${show(max)}`;
  if (min !== undefined) return ` >= ${show(min)}`;
  if (max !== undefined) return ` <= ${show(max)}`;
  return '';
}

/** Why `value` is outside the bounds, or `undefined` when it is inside. */
export function rangeViolation(value: number, range: Range, show: (value: number) => string = String): string | undefined {
  if (range.min !== undefined && value < range.min) return `below the minimum ${show(range.min)}`;
  if (range.max !== undefined && value > range.max) return `above the maximum ${show(range.max)}`;
  return undefined;
}

/**
 * Rejects bounds that can never be satisfied; a schema bug should surface when the schema is
 * defined, not as a start-up error nobody can fix through the environment.
 */
export function checkRange(env: string, range: Range): void {
  for (const bound of [range.min, range.max]) {
    if (bound !== undefined && !Number.isFinite(bound)) {
      throw new ConfigSchemaError(`config field ${env}: bounds must be finite numbers, got ${bound}`);
    }
  }
  if (range.min !== undefined && range.max !== undefined && range.min > range.max) {
    throw new ConfigSchemaError(`config field ${env}: min ${range.min} is greater than max ${range.max}`);
  }
}
