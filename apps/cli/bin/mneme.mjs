#!/usr/bin/env node
// Entry point of `npx mneme`: runs the TypeScript CLI from source (workspace packages resolve to
// their sources through the `@mneme/source` export condition; tsx transpiles on the fly). Signals
// are passed on to the child, so `mneme serve` in a container drains gracefully on SIGTERM, and
// the child is stopped too when whatever started this script (npx) goes away.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
const child = spawn(process.execPath, ['--conditions=@mneme/source', '--import', 'tsx', main, ...process.argv.slice(2)], { stdio: 'inherit' });
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
