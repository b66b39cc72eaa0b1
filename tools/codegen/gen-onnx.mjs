#!/usr/bin/env node
// Generates libs/graph/src/generated from the official onnx.proto with protoc (npm `protoc`) and ts-proto.
// onnx.proto is taken from the pinned `onnx` wheel on PyPI (fetched with pip, the ordinary client), so the
// schema is exactly the one ONNX ships. `--check` regenerates into a temporary folder and fails when the
// committed code is stale.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The onnx release whose onnx.proto is compiled; bump deliberately and regenerate. */
const ONNX_VERSION = '1.20.1';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const target = join(root, 'libs/graph/src/generated');
const require = createRequire(import.meta.url);

/**
 * ts-proto options: those of gen-contracts.mjs minus outputServices (onnx.proto has none), except
 * `forceLong=bigint`: ONNX stores sentinels such as INT64_MAX (Slice ends, int64_data) that
 * `forceLong=number` refuses to decode, so 64-bit fields stay exact and libs/graph converts them.
 */
const TS_PROTO_OPTIONS = [
  'esModuleInterop=true',
  'importSuffix=.js',
  'useOptionals=messages',
  'unrecognizedEnum=false',
  'forceLong=bigint',
  'oneof=unions-value',
  'useDate=true',
  'outputIndex=false',
].join(',');

function listFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

/** Downloads the pinned wheel and returns the text of onnx/onnx.proto inside it. */
function fetchOnnxProto(scratch) {
  const wheels = join(scratch, 'wheels');
  mkdirSync(wheels);
  execFileSync('python3', ['-m', 'pip', 'download', `onnx==${ONNX_VERSION}`, '--no-deps', '--only-binary=:all:', '--quiet', '-d', wheels], {
    stdio: 'inherit',
  });
  const wheel = readdirSync(wheels).find((name) => name.endsWith('.whl'));
  if (wheel === undefined) throw new Error(`pip downloaded no wheel for onnx==${ONNX_VERSION}`);
  // A wheel is a zip archive; python's zipfile avoids depending on an unzip binary.
  const script = 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("onnx/onnx.proto").decode("utf-8"))';
  return execFileSync('python3', ['-c', script, join(wheels, wheel)], { encoding: 'utf8', maxBuffer: 1 << 24 });
}

function generate(protoText, scratch, outDir) {
  const protoDir = join(scratch, 'proto');
  mkdirSync(join(protoDir, 'onnx'), { recursive: true });
  writeFileSync(join(protoDir, 'onnx', 'onnx.proto'), protoText);
  const protocDir = dirname(require.resolve('protoc/package.json'));
  const plugin = join(root, 'node_modules', '.bin', 'protoc-gen-ts_proto');
  execFileSync(
    process.execPath,
    [
      join(protocDir, 'protoc.cjs'),
      `--plugin=protoc-gen-ts_proto=${plugin}`,
      `--ts_proto_out=${outDir}`,
      `--ts_proto_opt=${TS_PROTO_OPTIONS}`,
      `-I${protoDir}`,
      `-I${join(protocDir, 'include')}`,
      'onnx/onnx.proto',
    ],
    { stdio: 'inherit' },
  );
}

const check = process.argv.includes('--check');
const scratch = mkdtempSync(join(tmpdir(), 'mneme-onnx-'));
try {
  const out = join(scratch, 'out');
  mkdirSync(out);
  generate(fetchOnnxProto(scratch), scratch, out);
  if (check) {
    const fresh = listFiles(out);
    const committed = listFiles(target);
    const stale = [
      ...fresh.filter((f) => !committed.includes(f) || readFileSync(join(out, f), 'utf8') !== readFileSync(join(target, f), 'utf8')),
      ...committed.filter((f) => !fresh.includes(f)),
    ];
    if (stale.length > 0) {
      console.error(`Generated ONNX types are stale (${stale.join(', ')}). Run \`node tools/codegen/gen-onnx.mjs\` and commit the result.`);
      process.exit(1);
    }
    console.log(`onnx types up to date (${fresh.length} files, onnx ${ONNX_VERSION})`);
  } else {
    rmSync(target, { recursive: true, force: true });
    cpSync(out, target, { recursive: true });
    console.log(`generated ${listFiles(target).length} files into ${relative(root, target)} from onnx ${ONNX_VERSION}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
