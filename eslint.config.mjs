// Lint for the whole workspace. The module-boundary rule is the architecture, written down:
// layers may only depend downwards, and each I/O engine has exactly one owning library.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Runtime libraries that only their owning adapter may import. */
const ENGINE_IMPORTS = {
  onnxruntime: ['onnxruntime-node', 'onnxruntime-common', 'onnxruntime-web'],
  kafka: ['kafkajs', '@confluentinc/*'],
  grpc: ['@grpc/*', 'grpc-health-check'],
  ann: ['usearch', 'hnswlib-node'],
};
const allBut = (owner) =>
  Object.entries(ENGINE_IMPORTS)
    .filter(([name]) => name !== owner)
    .flatMap(([, pkgs]) => pkgs);

/**
 * The import rules. `forTests` lets test files of core libraries wire a real adapter (a core
 * strategy's tests run on the real ONNX Runtime engine); production code never may.
 */
const boundaries = (forTests) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    banTransitiveDependencies: true,
    checkDynamicDependenciesExceptions: [],
    allow: [],
    depConstraints: [
      // Layers: contracts <- core <- adapter <- app; e2e tests may reach everything.
      { sourceTag: 'layer:contracts', onlyDependOnLibsWithTags: ['layer:contracts'] },
      {
        sourceTag: 'layer:core',
        onlyDependOnLibsWithTags: forTests ? ['layer:core', 'layer:contracts', 'layer:adapter'] : ['layer:core', 'layer:contracts'],
      },
      { sourceTag: 'layer:adapter', onlyDependOnLibsWithTags: ['layer:adapter', 'layer:core', 'layer:contracts'] },
      { sourceTag: 'layer:app', onlyDependOnLibsWithTags: ['layer:adapter', 'layer:core', 'layer:contracts'] },
      { sourceTag: 'layer:e2e', onlyDependOnLibsWithTags: ['layer:app', 'layer:adapter', 'layer:core', 'layer:contracts'] },
      // Pure domain code (autodiff, methods, metrics) never sees wire types.
      { sourceTag: 'purity:domain', notDependOnLibsWithTags: ['layer:contracts'] },
      // One owner per engine: io:<engine> may import that engine and no other; io:none imports none.
      { sourceTag: 'io:none', bannedExternalImports: allBut(null) },
      { sourceTag: 'io:onnxruntime', bannedExternalImports: allBut('onnxruntime') },
      { sourceTag: 'io:kafka', bannedExternalImports: allBut('kafka') },
      { sourceTag: 'io:grpc', bannedExternalImports: allBut('grpc') },
      { sourceTag: 'io:ann', bannedExternalImports: allBut('ann') },
    ],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/out-tsc', '**/*.timestamp*', '**/src/generated/**', '.nx/**', '.mneme/**'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: { '@nx/enforce-module-boundaries': boundaries(false) },
  },
  {
    files: ['**/*.spec.ts', '**/*.test-util.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/vite.config.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Numeric code indexes arrays and maps whose entries are known to exist; `!` says so.
    files: ['**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Per-project tool configs extend the shared root ones by relative path, by design.
    files: ['**/vite.config.ts', '**/eslint.config.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  { files: ['**/*.json'], languageOptions: { parser: (await import('jsonc-eslint-parser')).default }, rules: {} },
  { ...tseslint.configs.disableTypeChecked, files: ['**/*.js', '**/*.mjs', '**/*.json'] },
];
