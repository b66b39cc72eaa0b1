#!/usr/bin/env node
// Scaffolds a workspace project with the files every project shares (package.json with tags,
// tsconfig trio, vitest and eslint configs) so all projects stay alike.
// Usage: node tools/scaffold/new-project.mjs libs/<name> "<description>" layer:core io:none [...tags]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

const [dir, description, ...tags] = process.argv.slice(2);
if (!dir || !description || !tags.some((t) => t.startsWith('layer:')) || !tags.some((t) => t.startsWith('io:'))) {
  console.error(
    'usage: new-project.mjs <apps|libs>/<name> "<description>" layer:<contracts|core|adapter|service|stack|app|e2e|testing> io:<none|grpc|kafka|onnxruntime> [tags...]',
  );
  process.exit(2);
}
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir} already exists`);
  process.exit(1);
}
const up = relative(dir, '.') || '.';
const name = `@mneme/${basename(dir)}`;
const json = (v) => `${JSON.stringify(v, null, 2)}\n`;
mkdirSync(join(dir, 'src'), { recursive: true });
const files = {
  'package.json': json({
    name,
    version: '0.1.0',
    private: true,
    description,
    type: 'module',
    exports: {
      '.': { '@mneme/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    nx: { tags },
  }),
  'tsconfig.json': json({
    extends: `${up}/tsconfig.base.json`,
    files: [],
    include: [],
    references: [{ path: './tsconfig.lib.json' }, { path: './tsconfig.spec.json' }],
  }),
  'tsconfig.lib.json': json({
    extends: `${up}/tsconfig.base.json`,
    compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/tsconfig.lib.tsbuildinfo' },
    include: ['src/**/*.ts'],
    exclude: ['src/**/*.spec.ts', 'src/**/*.test-util.ts'],
    references: [],
  }),
  'tsconfig.spec.json': json({
    extends: `${up}/tsconfig.base.json`,
    compilerOptions: {
      outDir: 'out-tsc/spec',
      tsBuildInfoFile: 'out-tsc/spec/tsconfig.spec.tsbuildinfo',
      types: ['node', 'vitest'],
    },
    include: ['src/**/*.spec.ts', 'src/**/*.test-util.ts'],
    references: [{ path: './tsconfig.lib.json' }],
  }),
  'vite.config.ts': `import { projectTestConfig } from '${up}/vitest.shared.js';\n\nexport default projectTestConfig({ root: import.meta.dirname });\n`,
  'eslint.config.mjs': `import base from '${up}/eslint.config.mjs';\n\nexport default [...base];\n`,
  'src/index.ts': `/** ${description} */\nexport {};\n`,
};
for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
console.log(`created ${name} in ${dir}; run \`npm install\` then \`npx nx sync\``);
