import { ConfigSchemaError } from './config-error.js';
import { accept, reject, type ParseResult } from './field.js';

/** Unit suffixes and how many base units each is worth, largest first (used for formatting). */
export type UnitTable = readonly (readonly [suffix: string, factor: number])[];

const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*)$/;

// Decimal magnitudes are multiplied in floating point ('1.1s' -> 1100.0000000000002 ms); anything
// closer than this to a whole number is taken to be that whole number.
const WHOLE_TOLERANCE = 1e-6;

/**
 * Parses `<number><unit>` (e.g. `30s`, `1.5MiB`) or a bare whole number of base units into a whole
 * number of base units. Units match case-insensitively.
 */
export function parseQuantity(raw: string, units: UnitTable): ParseResult<number> {
  const match = QUANTITY.exec(raw);
  if (match === null) return reject();
  const [, magnitudeText = '', suffix = ''] = match;
  let factor = 1;
  if (suffix !== '') {
    const unit = units.find(([name]) => name.toLowerCase() === suffix.toLowerCase());
    if (unit === undefined) return reject(`unknown unit '${suffix}'`);
    factor = unit[1];
  }
  const scaled = Number(magnitudeText) * factor;
  const whole = Math.round(scaled);
  if (Math.abs(scaled - whole) > WHOLE_TOLERANCE) return reject('not a whole number of the smallest unit');
  if (!Number.isSafeInteger(whole)) return reject('too large');
  return accept(whole);
}

/** Writes a whole number of base units with the largest unit that divides it exactly (`10000` → `10s`). */
export function formatQuantity(value: number, units: UnitTable): string {
  for (const [suffix, factor] of units) {
    if (value !== 0 && value % factor === 0) return `${value / factor}${suffix}`;
  }
  const smallest = units[units.length - 1];
  return `${value}${smallest?.[1] === 1 ? smallest[0] : ''}`;
}

/** Accepts a number of base units as-is or a string in the unit syntax; for bounds and defaults. */
export function quantityFromInput(env: string, what: string, input: number | string, units: UnitTable): number {
  const parsed = typeof input === 'number' ? parseQuantity(String(input), units) : parseQuantity(input.trim(), units);
  if (!parsed.ok) throw new ConfigSchemaError(`config field ${env}: ${what} '${input}' is not a valid quantity`);
  return parsed.value;
}
