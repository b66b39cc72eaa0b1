/** `mneme run --help`, `mneme up --help` and `mneme strategies` list every strategy's options and the benchmarks' strategy defaults. */
import { readFileSync } from 'node:fs';
import { BENCHMARKS } from '@mneme/benchmarks';
import { commonServiceConfig } from '@mneme/config';
import { STRATEGIES, STRATEGY_OPTIONS } from '@mneme/methods';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from './program.js';
import { strategyDefaultsLines } from './report/format-report.js';
import { NAMED_STRATEGY_FLAGS, namedFlagOptions, strategiesReading, UP_STRATEGY_FLAGS } from './strategy-flags.js';

/** What `mneme <args>` writes to stdout when it only prints help. */
async function helpOf(...args: string[]): Promise<string> {
  let out = '';
  const program = buildProgram()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (out += s) });
  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (out += s) });
  await expect(program.parseAsync(['node', 'mneme', ...args])).rejects.toBeInstanceOf(CommanderError);
  return out;
}

describe('mneme help', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(['run', 'up'])('mneme %s --help lists, after the options, each strategy with its --set keys and defaults', async (command) => {
    const help = await helpOf(command, '--help');
    const options = help.indexOf('Options:');
    const strategies = help.indexOf('Strategy options (--set key=value');
    expect(options).toBeGreaterThanOrEqual(0);
    expect(strategies).toBeGreaterThan(options);
    for (const [name, schema] of Object.entries(STRATEGY_OPTIONS)) {
      const block = help
        .slice(strategies)
        .split('\n\n')
        .find((b) => b.startsWith(`  ${name}:`));
      expect(block, name).toBeDefined();
      for (const [key, spec] of Object.entries(schema.specs)) {
        expect(block).toMatch(
          new RegExp(
            `\\n {4}${key.replace(/[-]/g, '\\-')}=<[^>]*> +default ${typeof spec.default === 'object' ? '' : String(spec.default)}`,
          ),
        );
      }
    }
    expect(help).toContain('  naive: takes no options');
    expect(help).toMatch(/ {2}clinc150, clinc150-task, clinc150-val, text:\n {4}er +--lr 0\.01\n/);
    expect(help).toMatch(/ expanding-head +--set rows=mean\n +chosen on clinc150-val/);
  });

  it('mneme run --help describes its named strategy flags from the option schemas (the strategies reading each key)', async () => {
    const help = (await helpOf('run', '--help')).replace(/\s+/g, ' ');
    for (const { flag, key } of NAMED_STRATEGY_FLAGS) {
      const readers = strategiesReading(key);
      expect(readers.length, flag).toBeGreaterThan(0);
      expect(help).toContain(`--${flag} <`);
      expect(help).toContain(`--set ${key}=… of ${readers.map(([name]) => name).join(', ')}: ${readers[0]![1].description}`);
    }
    expect(help).toContain('--acquisition <least-confidence|margin|entropy|random>');
    expect(help).toMatch(/--memory <integer> --set memory=… of er, mir, curriculum, active/);
    const up = (await helpOf('up', '--help')).replace(/\s+/g, ' ');
    expect(up).toContain('--memory <integer> --set memory=…');
    expect(up).not.toContain('--top-k');
    expect(UP_STRATEGY_FLAGS.map((f) => f.flag)).toEqual(['memory']);
  });

  it('the named strategy flags set the same keys as --set', () => {
    expect(namedFlagOptions({ memory: '200', topK: '3', acquisition: 'margin' })).toEqual({
      memory: '200',
      topK: '3',
      acquisition: 'margin',
    });
    // `mneme up` reads only --memory.
    expect(namedFlagOptions({ memory: '200', topK: '3' }, UP_STRATEGY_FLAGS)).toEqual({ memory: '200' });
  });

  it('mneme --version prints the CLI package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await helpOf('--version')).trim()).toBe(version);
  });

  it('mneme serve --help lists every variable a service reads, with its default', async () => {
    const help = await helpOf('serve', '--help');
    const env = help.slice(help.indexOf('Environment'));
    for (const field of Object.values(commonServiceConfig)) {
      expect(env, field.env).toContain(`  ${field.env} (default: ${field.defaultText ?? '(unset)'})`);
    }
    expect(env).toContain('MNEME_PROMPT_POOL_ADDRESS');
    expect(env).toMatch(/MNEME_MAX_POOL_FLOATS \(default: 8388608\)/);
    expect(env).toContain('MNEME_TLS_CERT');
    // A service's own variables too, under its name.
    expect(env).toMatch(/encoder only:\n {2}MNEME_ENCODER_MAX_BATCH \(default: 64\)/);
  });

  it('mneme strategies prints the same blocks; mneme strategies <name> one of them', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(s));
    await buildProgram().parseAsync(['node', 'mneme', 'strategies']);
    for (const name of Object.keys(STRATEGIES)) expect(lines.join('\n')).toContain(`  ${name}:`);
    expect(lines.join('\n')).toContain(
      Object.keys(BENCHMARKS)
        .filter((b) => BENCHMARKS[b]!.strategyDefaults !== undefined)
        .sort()
        .join(', '),
    );
    lines.length = 0;
    await buildProgram().parseAsync(['node', 'mneme', 'strategies', 'er']);
    expect(lines.join('\n')).toMatch(/^er:\n {2}memory=<integer ≥ 1> +default 500 /);
  });
});

describe('the report line of applied strategy defaults', () => {
  it('spells them as flags, with where they were chosen and what the command line overrode', () => {
    expect(strategyDefaultsLines('clinc150', undefined)).toEqual([]);
    expect(
      strategyDefaultsLines('clinc150', {
        strategy: 'er',
        settings: { learningRate: 0.01 },
        options: {},
        overridden: ['set memory'],
        chosenOn: 'clinc150-val',
      }),
    ).toEqual(["clinc150's defaults for er: --lr 0.01 (chosen on clinc150-val); overridden: set memory"]);
  });
});
