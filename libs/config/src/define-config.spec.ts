import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { bool } from './bool-field.js';
import { ConfigError } from './config-error.js';
import { defineConfig, EX_CONFIG, type Infer } from './define-config.js';
import { duration } from './duration-field.js';
import { int, port } from './number-fields.js';
import { oneOf } from './one-of-field.js';
import { str } from './string-field.js';

const schema = {
  host: str({ env: 'MNEME_T_HOST', default: '127.0.0.1', doc: 'Bind address.' }),
  port: port({ env: 'MNEME_T_PORT', default: 50051, doc: 'Listen port | with a pipe.' }),
  level: oneOf(['debug', 'info'] as const, { env: 'MNEME_T_LEVEL', default: 'info', doc: 'Log level.' }),
  grace: duration({ env: 'MNEME_T_GRACE', default: '10s', doc: 'Drain time.' }),
  token: str({ env: 'MNEME_T_TOKEN', sensitive: true, doc: 'Auth token.' }),
  workers: int({ env: 'MNEME_T_WORKERS', min: 1, doc: 'Worker count.' }),
};
const config = defineConfig(schema);

/** An exit that behaves like process.exit for control flow (it never returns) and records the code. */
class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`exit(${code})`);
  }
}
function fakeIo() {
  const written: string[] = [];
  const exit = vi.fn((code: number): never => {
    throw new ExitCalled(code);
  });
  return { written, exit, stderr: (chunk: string) => void written.push(chunk) };
}

describe('defineConfig().load', () => {
  it('infers the options type from the schema', () => {
    expectTypeOf<Infer<typeof schema>>().toEqualTypeOf<{
      readonly host: string;
      readonly port: number;
      readonly level: 'debug' | 'info';
      readonly grace: number;
      readonly token: string | undefined;
      readonly workers: number | undefined;
    }>();
  });

  it('applies every default when nothing is set', () => {
    const { config: options, warnings } = config.load({});
    expect(options).toEqual({
      host: '127.0.0.1',
      port: 50051,
      level: 'info',
      grace: 10_000,
      token: undefined,
      workers: undefined,
    });
    expect(warnings).toEqual([]);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('reads set values and treats empty or blank values as unset', () => {
    const { config: options } = config.load({
      MNEME_T_HOST: '0.0.0.0',
      MNEME_T_PORT: ' 8080 ',
      MNEME_T_LEVEL: '',
      MNEME_T_GRACE: '   ',
      MNEME_T_TOKEN: 's3cret',
      MNEME_T_WORKERS: '4',
    });
    expect(options).toEqual({ host: '0.0.0.0', port: 8080, level: 'info', grace: 10_000, token: 's3cret', workers: 4 });
  });

  it('reports every problem at once, in schema order', () => {
    let caught: unknown;
    try {
      config.load({ MNEME_T_PORT: 'abc', MNEME_T_LEVEL: 'verbose', MNEME_T_WORKERS: '0', MNEME_T_HOST: 'ok' });
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems.map((p) => p.variable)).toEqual(['MNEME_T_PORT', 'MNEME_T_LEVEL', 'MNEME_T_WORKERS']);
    expect(error.message).toBe(
      [
        'Invalid configuration: 3 problems',
        "  - MNEME_T_PORT='abc' is not valid: expected an integer port 1..65535",
        "  - MNEME_T_LEVEL='verbose' is not valid: expected one of debug, info",
        "  - MNEME_T_WORKERS='0' is not valid: expected an integer >= 1 (below the minimum 1)",
      ].join('\n'),
    );
  });

  it('never puts a sensitive value into the error', () => {
    const sensitive = defineConfig({ key: int({ env: 'MNEME_T_KEY', sensitive: true, doc: 'd' }) });
    expect(() => sensitive.load({ MNEME_T_KEY: 'hunter2' })).toThrow(/MNEME_T_KEY=<redacted> is not valid/);
    try {
      sensitive.load({ MNEME_T_KEY: 'hunter2' });
    } catch (error: unknown) {
      expect(String((error as ConfigError).message)).not.toContain('hunter2');
      expect((error as ConfigError).problems[0]?.value).toBeUndefined();
    }
  });

  it('returns unknown prefixed variables as warnings, not errors', () => {
    const { config: options, warnings } = config.load({ MNEME_T_PROT: '9000', MNEME_T_PORT: '9001', HOME: '/root' });
    expect(options.port).toBe(9001);
    expect(warnings.map((w) => [w.variable, w.suggestion])).toEqual([['MNEME_T_PROT', 'MNEME_T_PORT']]);
  });

  it('attaches warnings to the error, since a typo often explains the failure', () => {
    expect(() => config.load({ MNEME_T_PORT: 'x', MNEME_T_WORKRES: '2' })).toThrow(/Warnings:\n {2}- MNEME_T_WORKRES .*MNEME_T_WORKERS/);
  });

  it('honours a custom prefix and variables known elsewhere', () => {
    const custom = defineConfig(schema, { prefix: 'MNEME_T_', alsoKnown: ['MNEME_T_EXTRA'] });
    const { warnings } = custom.load({ MNEME_T_EXTRA: '1', MNEME_OTHER: '1', MNEME_T_TYPO: '1' });
    expect(warnings.map((w) => w.variable)).toEqual(['MNEME_T_TYPO']);
  });

  it('reads process.env when no source is given', () => {
    vi.stubEnv('MNEME_T_PORT', '7070');
    try {
      expect(config.load().config.port).toBe(7070);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses two fields reading the same variable', () => {
    expect(() =>
      defineConfig({
        a: bool({ env: 'MNEME_T_SAME', doc: 'd' }),
        b: int({ env: 'MNEME_T_SAME', doc: 'd' }),
      }),
    ).toThrow("config schema: fields 'a' and 'b' both read MNEME_T_SAME");
  });

  it('composes schemas by spread, later fields replacing earlier ones', () => {
    const composed = defineConfig({
      ...schema,
      port: port({ env: 'MNEME_T_PORT', default: 9, doc: 'd' }),
      extra: bool({ env: 'MNEME_T_EXTRA', default: true, doc: 'd' }),
    });
    const { config: options } = composed.load({});
    expect(options.port).toBe(9);
    expect(options.extra).toBe(true);
    expectTypeOf(options.extra).toEqualTypeOf<boolean>();
  });
});

describe('defineConfig().loadOrExit', () => {
  it('exits with 78 and writes the message when the configuration is invalid', () => {
    const io = fakeIo();
    expect(() => config.loadOrExit({ MNEME_T_PORT: 'abc', MNEME_T_GRACE: 'soon' }, io)).toThrow(ExitCalled);
    expect(EX_CONFIG).toBe(78);
    expect(io.exit).toHaveBeenCalledTimes(1);
    expect(io.exit).toHaveBeenCalledWith(78);
    const output = io.written.join('');
    expect(output).toContain("MNEME_T_PORT='abc' is not valid: expected an integer port 1..65535");
    expect(output).toContain("MNEME_T_GRACE='soon' is not valid");
    expect(output.endsWith('\n')).toBe(true);
  });

  it('returns the options and writes warnings when the configuration is valid', () => {
    const io = fakeIo();
    const options = config.loadOrExit({ MNEME_T_PORT: '1234', MNEME_T_PORTT: '1' }, io);
    expectTypeOf(options).toEqualTypeOf<Infer<typeof schema>>();
    expect(options.port).toBe(1234);
    expect(io.exit).not.toHaveBeenCalled();
    expect(io.written).toEqual([
      'config warning: MNEME_T_PORTT is set but is not a known variable and is ignored; did you mean MNEME_T_PORT?\n',
    ]);
  });

  it('lets errors other than ConfigError propagate', () => {
    const broken = defineConfig({
      x: str({ env: 'MNEME_T_X', doc: 'd' }),
    });
    const io = fakeIo();
    const env = new Proxy(
      {},
      {
        get: () => {
          throw new RangeError('env unavailable');
        },
      },
    );
    expect(() => broken.loadOrExit(env, io)).toThrow(RangeError);
    expect(io.exit).not.toHaveBeenCalled();
  });
});

describe('defineConfig().describe', () => {
  it('renders a Markdown table with every variable, its default and doc', () => {
    const table = config.describe();
    const lines = table.split('\n');
    expect(lines[0]).toBe('| Variable | Default | Accepts | Description |');
    expect(lines).toHaveLength(2 + Object.keys(schema).length);
    for (const f of Object.values(schema)) expect(table).toContain(`| \`${f.env}\` |`);
    expect(lines).toContain('| `MNEME_T_GRACE` | `10s` | a duration such as 500ms, 30s, 2m, 1h or integer milliseconds | Drain time. |');
    expect(lines).toContain('| `MNEME_T_TOKEN` | (unset) | any non-empty text | Auth token. |');
    expect(table).toContain('Listen port \\| with a pipe.');
  });

  it('renders plain text for --help', () => {
    const help = config.describe('text');
    expect(help).toContain('MNEME_T_PORT (default: 50051)\n    Listen port | with a pipe.\n    Accepts an integer port 1..65535.');
    expect(help).toContain('MNEME_T_WORKERS (default: (unset))');
    for (const f of Object.values(schema)) expect(help).toContain(f.env);
  });
});
