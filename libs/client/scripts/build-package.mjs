#!/usr/bin/env node
// Builds the publishable @mneme/client into libs/client/npm-package (or --out <dir>), ready for `npm pack`:
//   index.js     one ESM bundle (esbuild, node20) with the workspace libraries it uses inlined;
//                npm packages stay imports and become the package's dependencies
//   index.d.ts   one declaration file (dts-bundle-generator) that imports no @mneme/* package
//   package.json generated: not private, no workspace dependencies, versions as the workspace pins them
//   README.md    the quickstart
// The workspace package.json stays private with `*` workspace dependencies, so the package is
// generated into a folder of its own: not dist/, which is tsc's (the typecheck writes declarations
// there, and nx would restore its cached dist/**/*.d.ts over a newer bundle).
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { generateDtsBundle } from 'dts-bundle-generator';

const projectRoot = resolve(import.meta.dirname, '..');
const workspaceRoot = resolve(projectRoot, '../..');
const WORKSPACE_SCOPE = '@mneme/';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(projectRoot, 'npm-package'));

/** The npm package an import names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (specifier) => specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier));
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The package.json that owns a source file. */
function owningPackageJson(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'package.json');
  throw new Error(`no package.json above ${file}`);
}

/**
 * Bundles src/index.ts. Workspace packages resolve to their sources (the @mneme/source condition)
 * and are inlined; every other bare import stays external. Both are marked free of side effects so
 * that what the client does not use (the servers of @mneme/rpc, with their imports of pino, jose,
 * grpc-health-check) is left out, with its imports.
 * @returns the npm packages the bundle imports, and the package.json of every inlined workspace package
 */
async function bundle() {
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: ['src/index.ts'],
    outfile: join(out, 'index.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@mneme/source'],
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
    plugins: [
      {
        name: 'inline-workspace-keep-npm',
        setup(b) {
          b.onResolve({ filter: /.*/ }, async (args) => {
            if (args.kind === 'entry-point' || args.pluginData?.resolving) return undefined;
            const bare = !args.path.startsWith('.') && !args.path.startsWith('/');
            if (bare && !args.path.startsWith(WORKSPACE_SCOPE)) return { path: args.path, external: true, sideEffects: false };
            const resolved = await b.resolve(args.path, {
              kind: args.kind,
              importer: args.importer,
              resolveDir: args.resolveDir,
              pluginData: { resolving: true },
            });
            if (resolved.errors.length > 0) return { errors: resolved.errors };
            return { path: resolved.path, sideEffects: false };
          });
        },
      },
    ],
  });
  const externals = new Set();
  for (const output of Object.values(result.metafile.outputs))
    for (const i of output.imports) if (i.external && !isBuiltin(i.path)) externals.add(packageOf(i.path));
  const manifests = new Set(Object.keys(result.metafile.inputs).map((input) => owningPackageJson(resolve(projectRoot, input))));
  return { externals: [...externals].sort(), manifests: [...manifests] };
}

/** The version of each external package, as the inlined workspace packages declare it (they pin exact versions). */
function dependencyVersions(externals, manifests) {
  const declared = new Map();
  for (const manifest of manifests) {
    for (const [name, version] of Object.entries(readJson(manifest).dependencies ?? {})) {
      if (name.startsWith(WORKSPACE_SCOPE)) continue;
      const seen = declared.get(name);
      if (seen !== undefined && seen !== version)
        throw new Error(`${name} is pinned to both ${seen} and ${version} in the bundled workspace packages: pin one version`);
      declared.set(name, version);
    }
  }
  const missing = externals.filter((name) => !declared.has(name));
  if (missing.length > 0)
    throw new Error(`the bundle imports ${missing.join(', ')}, which no bundled workspace package lists in its dependencies`);
  return Object.fromEntries(externals.map((name) => [name, declared.get(name)]));
}

/** One .d.ts for the package; `paths` in tsconfig.package.json make the workspace sources part of the program, so they are inlined. */
function declarations(dependencies) {
  const [dts] = generateDtsBundle([{ filePath: join(projectRoot, 'src/index.ts'), output: { noBanner: true } }], {
    preferredConfigPath: join(projectRoot, 'tsconfig.package.json'),
  });
  const imported = [...dts.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  const workspace = imported.filter((s) => s.startsWith(WORKSPACE_SCOPE));
  if (workspace.length > 0) throw new Error(`index.d.ts still imports ${workspace.join(', ')}`);
  const undeclared = imported.filter((s) => !isBuiltin(s) && !(packageOf(s) in dependencies));
  if (undeclared.length > 0) throw new Error(`index.d.ts imports ${undeclared.join(', ')}, which the package does not depend on`);
  // The declarations name Node's types (Buffer in ClientTls): say so, so a project without @types/node gets a clear error.
  writeFileSync(join(out, 'index.d.ts'), `/// <reference types="node" />\n${dts}`);
}

function packageJson(dependencies) {
  const own = readJson(join(projectRoot, 'package.json'));
  const workspace = readJson(join(workspaceRoot, 'package.json'));
  return {
    name: own.name,
    version: own.version,
    description: own.description,
    license: workspace.license,
    type: 'module',
    main: './index.js',
    types: './index.d.ts',
    exports: { '.': { types: './index.d.ts', default: './index.js' }, './package.json': './package.json' },
    sideEffects: false,
    engines: workspace.engines,
    dependencies,
  };
}

const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const { externals, manifests } = await bundle();
const leftover = [...readFileSync(join(out, 'index.js'), 'utf8').matchAll(/(?:from|import\(|require\()\s*['"](@mneme\/[^'"]+)['"]/g)].map(
  (m) => m[1],
);
if (leftover.length > 0) throw new Error(`index.js still imports ${leftover.join(', ')}`);
const dependencies = dependencyVersions(externals, manifests);
declarations(dependencies);
writeFileSync(join(out, 'package.json'), `${JSON.stringify(packageJson(dependencies), null, 2)}\n`);
copyFileSync(join(projectRoot, 'README.md'), join(out, 'README.md'));
const kib = (file) => `${(statSync(join(out, file)).size / 1024).toFixed(0)} KiB`;
console.log(
  `@mneme/client built in ${((Date.now() - started) / 1000).toFixed(1)} s: index.js ${kib('index.js')}, index.d.ts ${kib('index.d.ts')}; dependencies ${JSON.stringify(dependencies)}`,
);
