#!/usr/bin/env node
// Entry point of `npx mneme`. In the workspace it runs the TypeScript CLI from source (workspace
// packages resolve to their sources through the `@mneme/source` export condition; tsx transpiles
// on the fly). Where tsx is not installed (a production tree after `npm prune --omit=dev`, as in
// the container images) it runs the built bundle, dist/apps/cli/bin/mneme.mjs (`npm run
// build:images`). Signals are passed on to the child, so `mneme serve` drains gracefully on
// SIGTERM, and the child is stopped too when whatever started this script (npx) goes away.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(cliRoot, '..', '..', 'dist', 'apps', 'cli', 'bin', 'mneme.mjs');

/** Whether tsx (a devDependency) can be loaded from here, i.e. this is a development tree. */
function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return true;
  } catch {
    return false;
  }
}

let entry;
if (hasTsx()) entry = ['--conditions=@mneme/source', '--import', 'tsx', join(cliRoot, 'src', 'main.ts')];
else if (existsSync(bundle)) entry = [bundle];
else {
  console.error(
    `mneme: neither tsx (a devDependency, for the TypeScript sources) nor the built CLI (${bundle}, from \`npm run build:images\`) is installed`,
  );
  process.exit(1);
}
const child = spawn(process.execPath, [...entry, ...process.argv.slice(2)], { stdio: 'inherit' });
// A terminal's Ctrl-C reaches the whole process group already; SIGTERM (Kubernetes, to PID 1 only)
// and SIGHUP need forwarding. SIGINT is still caught so the wrapper waits for the child's exit.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
process.on('SIGINT', () => undefined);
// `npx mneme` runs this script under npm, which exits on SIGTERM without passing it on: when the
// process that started us goes away (we are re-parented), stop the child as if SIGTERM had come.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) child.kill('SIGTERM');
}, 250).unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
