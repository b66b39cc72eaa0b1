#!/usr/bin/env node
// Entry point of `npx mneme`: runs the TypeScript CLI from source (workspace packages resolve to
// their sources through the `@mneme/source` export condition; tsx transpiles on the fly).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
const result = spawnSync(process.execPath, ['--conditions=@mneme/source', '--import', 'tsx', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
