import { InvalidArgumentError } from '@mneme/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { curriculumOptions } from './curriculum/curriculum.js';
import { KNN_HEAD_OPTIONS } from './retrieval/knn-head.js';
import { l2pOptions } from './prompting/l2p.js';
import { boolean, choice, computed, defineOptions, formatOptionsHelp, integer, number, rangeText } from './option-schema.js';
import { STRATEGIES, STRATEGY_OPTIONS, strategyOptionsHelp } from './registry.js';
import type { StrategyContext } from './strategy.js';

const X = defineOptions('x', {
  budget: number(0.2, { min: 0, exclusiveMin: true, max: 1 }, 'fraction labelled'),
  rounds: integer(4, { min: 1 }, 'rounds per experience'),
  acquisition: choice(['entropy', 'margin'], 'entropy', 'which samples'),
  balanced: boolean(false, 'class-balanced'),
  batch: integer(
    computed('the batch size', (ctx) => ctx.batchSize ?? 1),
    { min: 1 },
    'replayed per step',
  ),
});

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).problems;
  }
  throw new Error('expected a refusal');
}

describe('defineOptions', () => {
  it('reads defaults, computed defaults and given values into a typed object', () => {
    const read = X.read({}, { batchSize: 32 });
    expect(read).toEqual({ budget: 0.2, rounds: 4, acquisition: 'entropy', balanced: false, batch: 32 });
    expectTypeOf(read.acquisition).toEqualTypeOf<'entropy' | 'margin'>();
    expectTypeOf(read.balanced).toEqualTypeOf<boolean>();
    expectTypeOf(read.rounds).toEqualTypeOf<number>();
    expect(X.read({ budget: '0.5', acquisition: 'margin', balanced: 'true', batch: '3' })).toEqual({
      budget: 0.5,
      rounds: 4,
      acquisition: 'margin',
      balanced: true,
      batch: 3,
    });
  });

  it("refuses bad values and unknown keys at once, with OptionReader's messages, in declaration order", () => {
    expect(problems(() => X.read({ budget: '0', rounds: '1.5', acquisition: 'bald', balanced: 'yes', typo: '1' }))).toEqual([
      "x: option budget must be a number in (0, 1], got '0'",
      "x: option rounds must be an integer in [1, Infinity], got '1.5'",
      "x: option acquisition must be one of entropy, margin, got 'bald'",
      "x: option balanced must be one of true, false, got 'yes'",
      "x: unknown option 'typo'; valid options: acquisition, balanced, batch, budget, rounds",
    ]);
    expect(problems(() => defineOptions('naive', {}).read({ memory: '200' }))).toEqual([
      "naive: unknown option 'memory'; it takes no options",
    ]);
  });

  it('keeps the strategies’ context-dependent defaults', () => {
    expect(curriculumOptions({}, 16).replayBatch).toBe(16);
    const ctx = { options: { size: '3' }, learningRate: 0.004 } as unknown as StrategyContext;
    expect(l2pOptions(ctx)).toMatchObject({ size: 3, select: 3, promptLr: 0.004, diversity: false });
    expect(l2pOptions({ ...ctx, options: { diversity: 'on' } })).toMatchObject({ size: 10, select: 5, diversity: true });
  });

  it('composes schemas by spreading specs (kNN + head reads kNN’s options first)', () => {
    expect(Object.keys(KNN_HEAD_OPTIONS.specs)).toEqual(['k', 'temperature', 'capacity', 'lambda', 'replay', 'local-steps', 'local-lr']);
    expect(KNN_HEAD_OPTIONS.read({ k: '3' })).toMatchObject({ k: 3, temperature: 0.05, capacity: Infinity, lambda: 0.5, 'local-lr': 0.1 });
  });
});

describe('option help', () => {
  it('renders ranges', () => {
    expect(X.specs.budget && rangeText(X.specs.budget)).toBe('number in (0, 1]');
    expect(rangeText(X.specs.rounds)).toBe('integer ≥ 1');
    expect(rangeText(number(1, { min: 0, exclusiveMin: true }, ''))).toBe('number in (0, ∞)');
    expect(rangeText(number(1, {}, ''))).toBe('number');
    expect(rangeText(X.specs.acquisition)).toBe('entropy|margin');
    expect(rangeText(X.specs.balanced)).toBe('true|false');
  });

  it('renders one line per option with its default and description', () => {
    const text = formatOptionsHelp('x', X);
    expect(text.split('\n')).toHaveLength(6);
    expect(text).toMatch(/^ {2}x:\n/);
    expect(text).toMatch(/batch=<integer ≥ 1> +default the batch size +replayed per step/);
    expect(formatOptionsHelp('naive', defineOptions('naive', {}))).toBe('  naive: takes no options');
  });

  it('declares a schema for every registered strategy, and the help lists every key and default', () => {
    expect(Object.keys(STRATEGY_OPTIONS).sort()).toEqual(Object.keys(STRATEGIES).sort());
    const help = strategyOptionsHelp();
    const blocks = help.split('\n\n');
    expect(blocks).toHaveLength(Object.keys(STRATEGIES).length);
    for (const [name, schema] of Object.entries(STRATEGY_OPTIONS)) {
      expect(schema.strategy).toBe(name);
      const block = blocks.find((b) => b.startsWith(`  ${name}:`));
      expect(block, name).toBeDefined();
      for (const [key, spec] of Object.entries(schema.specs)) {
        const line = block!.split('\n').find((l) => l.trimStart().startsWith(`${key}=<`));
        expect(line, `${name} ${key}`).toBeDefined();
        expect(line).toContain(typeof spec.default === 'object' ? spec.default.text : `default ${String(spec.default)}`);
      }
    }
    expect(help).toContain('memory=<integer ≥ 1>');
    expect(help).toMatch(/rows=<trained\|mean> +default trained/);
  });
});
