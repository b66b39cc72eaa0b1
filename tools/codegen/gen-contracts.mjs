#!/usr/bin/env node
// Generates libs/contracts/src/generated from proto/ with protoc (npm `protoc`) and ts-proto.
// `--check` regenerates into a temporary folder and fails when the committed code is stale.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const protoRoot = join(root, 'proto');
const target = join(root, 'libs/contracts/src/generated');
const require = createRequire(import.meta.url);

/** ts-proto options; see the ts-proto README for each. */
const TS_PROTO_OPTIONS = [
  'outputServices=grpc-js',
  'esModuleInterop=true',
  'importSuffix=.js',
  'useOptionals=messages',
  'unrecognizedEnum=false',
  'forceLong=number',
  'oneof=unions-value',
  'useDate=true',
  'outputIndex=false',
].join(',');

function protoFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return protoFiles(path);
    return name.endsWith('.proto') ? [relative(protoRoot, path)] : [];
  });
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

function generate(outDir) {
  const protocDir = dirname(require.resolve('protoc/package.json'));
  const plugin = join(root, 'node_modules', '.bin', 'protoc-gen-ts_proto');
  const include = join(protocDir, 'include');
  execFileSync(
    process.execPath,
    [
      join(protocDir, 'protoc.cjs'),
      `--plugin=protoc-gen-ts_proto=${plugin}`,
      `--ts_proto_out=${outDir}`,
      `--ts_proto_opt=${TS_PROTO_OPTIONS}`,
      `-I${protoRoot}`,
      `-I${include}`,
      ...protoFiles(protoRoot),
    ],
    { stdio: 'inherit' },
  );
}

const check = process.argv.includes('--check');
const scratch = mkdtempSync(join(tmpdir(), 'mneme-contracts-'));
try {
  generate(scratch);
  if (check) {
    const fresh = listFiles(scratch);
    const committed = listFiles(target);
    const stale = [
      ...fresh.filter((f) => !committed.includes(f) || readFileSync(join(scratch, f), 'utf8') !== readFileSync(join(target, f), 'utf8')),
      ...committed.filter((f) => !fresh.includes(f)),
    ];
    if (stale.length > 0) {
      console.error(`Generated contracts are stale (${stale.join(', ')}). Run \`npm run gen:contracts\` and commit the result.`);
      process.exit(1);
    }
    console.log(`contracts up to date (${fresh.length} files)`);
  } else {
    rmSync(target, { recursive: true, force: true });
    cpSync(scratch, target, { recursive: true });
    console.log(`generated ${listFiles(target).length} files into ${relative(root, target)}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
