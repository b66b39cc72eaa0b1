#!/usr/bin/env node
// Builds the production entry of the `mneme` CLI (the container images run `mneme serve <name>`
// from it): one ESM bundle of apps/cli/src/main.ts and every workspace package it imports, for
// plain `node` without tsx or TypeScript sources.
//
//   dist/apps/cli/bin/mneme.mjs (+ .map)   the bundle; run `node dist/apps/cli/bin/mneme.mjs serve encoder`
//   dist/apps/cli/package.json             the CLI's version (`mneme --version`)
//   dist/apps/cli/datasets/clinc150/       the CLINC150 copy `--benchmark clinc150` falls back to
//
// Workspace packages (@mneme/*) are bundled from their sources (the `@mneme/source` export
// condition). Every other package stays external and is loaded from node_modules at run time, so
// the bundle runs on the tree `npm prune --omit=dev` leaves: the native addons (onnxruntime-node,
// usearch) cannot be bundled, grpc-health-check reads its .proto beside its own files, pino starts
// pino-pretty by name, and keeping all of them external means one rule instead of a list.
//
// Usage: npm run build:images    (or: node tools/build/bundle-cli.mjs)
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'dist/apps/cli');
const started = performance.now();

/** The folder node would load package `name` from, starting at `from`; null when none. */
function packageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === dirname(dir)) return null;
  }
}

/** `ajv/dist/x` → `ajv`, `@scope/pkg/x` → `@scope/pkg`. */
const packageName = (path) =>
  path
    .split('/')
    .slice(0, path.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Bare imports outside the workspace stay imports; @mneme/* resolves to sources and is bundled.
 * A package that a workspace gets in another version than the root's (npm nests it under the
 * workspace, e.g. ajv 8 under libs/report while eslint's ajv 6 sits at the root) would load the
 * root's version from the bundle's folder: that one is bundled from where the importer finds it.
 */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@mneme/') || args.path.startsWith('node:')) return undefined;
      // Only a bundled CommonJS package requires: its dependencies are bundled with it (an ESM
      // bundle has no require for external packages).
      if (args.kind === 'require-call') return undefined;
      const name = packageName(args.path);
      const here = packageDir(name, args.resolveDir);
      if (here !== null && here !== packageDir(name, root)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

rmSync(out, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'bin/mneme': 'apps/cli/src/main.ts' },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  conditions: ['@mneme/source'],
  plugins: [externalPackages],
  metafile: true,
  logLevel: 'warning',
});

// Files the sources read relative to their own module (`import.meta.url` / `import.meta.dirname`),
// which is the bundle's bin/ folder once bundled: each is put where that relative path now points.
// apps/cli/src/program.ts reads `../package.json` for --version: only the version is needed (no
// name, so that no tool mistakes this folder for the workspace package).
const cli = JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8'));
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ private: true, version: cli.version, type: 'module' }, null, 2)}\n`);
// libs/data/src/clinc150.ts: `../datasets/clinc150` (BUNDLED_CLINC150).
mkdirSync(join(out, 'datasets'), { recursive: true });
cpSync(join(root, 'libs/data/datasets/clinc150'), join(out, 'datasets/clinc150'), { recursive: true });

const externals = new Set(
  Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path),
  ),
);
const size = statSync(join(out, 'bin/mneme.mjs')).size;
console.log(
  `bundle-cli: dist/apps/cli/bin/mneme.mjs ${(size / 1024 / 1024).toFixed(2)} MiB from ${Object.keys(result.metafile.inputs).length} files ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s; external: ${[...externals].sort().join(', ')}`,
);
