/**
 * @mneme/client as an integrator gets it: built (scripts/build-package.mjs) and packed with
 * `npm pack`, installed from the tarball into an empty folder outside the workspace, the quickstart
 * (examples/quickstart.ts, importing '@mneme/client') type-checked against the packed index.d.ts and
 * compiled there, then run with plain node against `mneme up --serve`: once with one address, once
 * with one address per service. npm fetches @grpc/grpc-js and @bufbuild/protobuf from the registry
 * (or its cache); the installing tests skip, saying so, only when the registry cannot be reached.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROJECT = resolve(import.meta.dirname, '..');
const WORKSPACE = resolve(PROJECT, '../..');
const MNEME_BIN = join(WORKSPACE, 'apps/cli/bin/mneme.mjs');
const TSC = join(WORKSPACE, 'node_modules/typescript/bin/tsc');
/** npm errors that mean the registry is out of reach, not that the package is broken. */
const UNREACHABLE = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network request to .* failed/;

interface Run {
  code: number | null;
  out: string;
}

/**
 * The environment without the npm_* variables an `npm test` in the workspace sets to point into it
 * (its prefix, its package.json), which would make the child npm act on the workspace; settings
 * such as the registry or the cache pass through.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const intoWorkspace = ([k, v]: [string, string | undefined]) =>
    k.toLowerCase().startsWith('npm_') && (v?.includes(WORKSPACE) || /^npm_config_(workspaces?|include_workspace_root)$/i.test(k));
  return Object.fromEntries(Object.entries(process.env).filter((e) => !intoWorkspace(e)));
}

/** Runs a command to its end without blocking the event loop; stdout and stderr together. */
function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await run(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.code}:\n${r.out}`);
  return r.out;
}

/** `mneme up --serve` on a free port; resolves with its address once it serves. */
async function startMnemeUp(dataDir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [MNEME_BIN, 'up', '--serve', '--port', '0', '--data-dir', dataDir], {
    cwd: WORKSPACE,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 120_000;
  while (!/serving on /.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const address = /on ([\d.]+:\d+) \(plaintext\)/.exec(out)?.[1];
  if (!/serving on /.test(out) || address === undefined) {
    child.kill('SIGKILL');
    throw new Error(`mneme up --serve did not start serving:\n${out}`);
  }
  return { child, address };
}

describe('the packed @mneme/client, installed outside the workspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mneme-packed-client-'));
  const app = join(dir, 'app');
  let packed: { filename: string; size: number; files: { path: string }[] };
  let manifest: Record<string, unknown>;
  /** Why the installing tests skip: npm could not reach the registry. */
  let unreachable: string | undefined;
  let serving: Promise<{ child: ChildProcess; address: string }> | undefined;
  let server: { child: ChildProcess; address: string } | undefined;

  beforeAll(async () => {
    // The stack starts while the package is built, packed and installed.
    serving = startMnemeUp(join(dir, 'state'));
    serving.catch(() => undefined);
    const packageDir = join(dir, 'package');
    await mustRun(process.execPath, [join(PROJECT, 'scripts/build-package.mjs'), '--out', packageDir], PROJECT);
    [packed] = JSON.parse(await mustRun('npm', ['pack', packageDir, '--pack-destination', dir, '--json'], dir));
    manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'mneme-client-quickstart', private: true, type: 'module' }));
    const install = await run('npm', ['install', join(dir, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], app);
    if (install.code !== 0) {
      if (!UNREACHABLE.test(install.out)) throw new Error(`npm install of the packed client failed:\n${install.out}`);
      unreachable = `the npm registry is unreachable, so the packed client's dependencies cannot be installed: ${UNREACHABLE.exec(install.out)![0]}`;
      console.warn(`skipping the installed-package tests: ${unreachable}`);
    }
    server = await serving;
  }, 600_000);

  afterAll(async () => {
    // Stopped also when the build or the install failed while it started.
    const started = await serving?.catch(() => undefined);
    if (started !== undefined && started.child.exitCode === null) {
      const exited = new Promise((r) => started.child.once('exit', r));
      started.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      started.child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('packs the bundle, its declarations and the README under a publishable package.json, with no sources or specs', () => {
    expect(packed.files.map((f) => f.path).sort()).toEqual(['README.md', 'index.d.ts', 'index.js', 'package.json']);
    expect(manifest).toMatchObject({
      name: '@mneme/client',
      type: 'module',
      exports: { '.': { types: './index.d.ts', default: './index.js' } },
    });
    expect(manifest.private).toBeUndefined();
    const dependencies = manifest.dependencies as Record<string, string>;
    expect(Object.keys(dependencies).sort()).toEqual(['@bufbuild/protobuf', '@grpc/grpc-js']);
    // The same exact versions the workspace pins.
    expect(dependencies['@grpc/grpc-js']).toBe(
      (JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies[
        '@grpc/grpc-js'
      ],
    );
    const bundle = readFileSync(join(dir, 'package/index.js'), 'utf8');
    const declarations = readFileSync(join(dir, 'package/index.d.ts'), 'utf8');
    expect(bundle).not.toMatch(/from\s*["']@mneme\//);
    expect(declarations).not.toMatch(/@mneme\//);
    expect(declarations).toContain('export declare function connect(addresses: ServiceAddresses');
  });

  it('type-checks and compiles the quickstart against the packed declarations', async ({ skip }) => {
    skip(unreachable !== undefined, unreachable);
    const source = readFileSync(join(PROJECT, 'examples/quickstart.ts'), 'utf8');
    const asIntegrator = source.replace(`from '../src/index.js'`, `from '@mneme/client'`);
    expect(asIntegrator, 'the quickstart imports ../src/index.js').not.toBe(source);
    writeFileSync(join(app, 'quickstart.mts'), asIntegrator);
    // What an integrator's project has: Node's types (the declarations name Buffer) and strict mode. skipLibCheck
    // off, so the package's index.d.ts is checked too, not only the quickstart's use of it.
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(WORKSPACE, 'node_modules/@types')],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['quickstart.mts'] }));
    await mustRun(process.execPath, [TSC, '-p', app], app);
    expect(readFileSync(join(app, 'quickstart.mjs'), 'utf8')).toContain(`from '@mneme/client'`);
  }, 120_000);

  it.for([
    { form: 'one address for every service', addressArgs: (address: string) => ['--address', address] },
    {
      form: 'one address per service',
      addressArgs: (address: string) => ['--trainer', address, '--encoder', address, '--evaluator', address],
    },
  ])('runs the quickstart with $form against mneme up --serve', { timeout: 120_000 }, async ({ addressArgs }, { skip }) => {
    skip(unreachable !== undefined, unreachable);
    const r = await run(process.execPath, [join(app, 'quickstart.mjs'), ...addressArgs(server!.address)], app);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('experience 0: 40 samples accepted, closed with sample_count 40');
    expect(r.out).toContain('experience 1: 40 samples accepted, closed with sample_count 40');
    // Read back: the version trained through experience 1 on all 80 samples serves the predictions.
    const trained = /v(\d+) \w+ trained through 1 on 80 samples/.exec(r.out);
    expect(trained, r.out).not.toBeNull();
    expect(r.out).toContain(`predictions by version ${trained![1]}:`);
    for (const input of [0, 1]) {
      const [, first, p1, second, p2] = new RegExp(`input ${input}: (\\w) ([\\d.]+), (\\w) ([\\d.]+)`).exec(r.out) ?? [];
      expect([first, second].sort(), r.out).toEqual(['a', 'b']);
      expect(Number(p1) + Number(p2)).toBeCloseTo(1, 2);
      expect(Number(p1)).toBeGreaterThanOrEqual(Number(p2));
    }
  });

  it('names what is wrong with the addresses: both forms at once, or the one service that cannot be reached', async ({ skip }) => {
    skip(unreachable !== undefined, unreachable);
    const both = await run(
      process.execPath,
      [join(app, 'quickstart.mjs'), '--address', server!.address, '--trainer', server!.address],
      app,
    );
    expect(both.code).not.toBe(0);
    expect(both.out).toContain('connect takes either { address } or { trainer, encoder, evaluator }, not both: got address and trainer');
    // Each service is dialled at its own address: only the encoder's has nothing listening (port 1).
    const script = `import { connect } from '@mneme/client';
      await connect({ trainer: '${server!.address}', encoder: '127.0.0.1:1', evaluator: '${server!.address}' }, { readyTimeoutMs: 3000 })
        .then(() => console.log('connected'), (err) => console.log(err.kind, err.message));`;
    const unreachableEncoder = await run(process.execPath, ['--input-type=module', '-e', script], app);
    expect(unreachableEncoder.out).toMatch(/^unavailable cannot reach the encoder service at 127\.0\.0\.1:1 within 3000 ms/);
  }, 60_000);
});
