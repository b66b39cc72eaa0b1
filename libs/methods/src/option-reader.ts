import { InvalidArgumentError } from '@mneme/errors';

/** Bounds of a numeric option. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  /** Whether `min` itself is excluded. @default false */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

/**
 * Reads a strategy's string options (as given on the CLI) into typed values with defaults,
 * collecting every problem — bad values and unknown keys — and throwing once in {@link done}.
 */
export class OptionReader {
  private readonly problems: string[] = [];
  private readonly known = new Set<string>();

  /** @param strategy the strategy's name, for messages */
  constructor(
    private readonly strategy: string,
    private readonly options: Readonly<Record<string, string>>,
  ) {}

  /** A number option, `fallback` when absent. */
  number(key: string, fallback: number, bounds: NumberBounds = {}): number {
    this.known.add(key);
    const raw = this.options[key];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    const { min = -Infinity, max = Infinity, exclusiveMin = false, integer = false } = bounds;
    const belowMin = exclusiveMin ? value <= min : value < min;
    if (raw.trim() === '' || !Number.isFinite(value) || belowMin || value > max || (integer && !Number.isInteger(value))) {
      const range = `${exclusiveMin ? '(' : '['}${min}, ${max}]`;
      this.problems.push(`${this.strategy}: option ${key} must be ${integer ? 'an integer' : 'a number'} in ${range}, got '${raw}'`);
      return fallback;
    }
    return value;
  }

  /** One of `values`, `fallback` when absent. */
  choice<T extends string>(key: string, fallback: T, values: readonly T[]): T {
    this.known.add(key);
    const raw = this.options[key];
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      this.problems.push(`${this.strategy}: option ${key} must be one of ${values.join(', ')}, got '${raw}'`);
      return fallback;
    }
    return raw as T;
  }

  /**
   * Ends reading.
   *
   * @throws InvalidArgumentError listing every bad value and every option the strategy does not know
   */
  done(): void {
    for (const key of Object.keys(this.options)) {
      if (!this.known.has(key)) {
        const valid = this.known.size === 0 ? 'it takes no options' : `valid options: ${[...this.known].sort().join(', ')}`;
        this.problems.push(`${this.strategy}: unknown option '${key}'; ${valid}`);
      }
    }
    if (this.problems.length > 0) throw new InvalidArgumentError(this.problems);
  }
}
