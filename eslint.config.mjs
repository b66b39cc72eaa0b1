// Lint for the whole workspace. The module-boundary rule is the architecture, written down:
// layers may only depend downwards, and each I/O engine has exactly one owning library.
import nx from '@nx/eslint-plugin';
import prettierRecommended from 'eslint-plugin-prettier/recommended';
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

/** The services, each an app tagged `scope:<name>`: one service never depends on another. */
const SERVICES = ['trainer', 'evaluator', 'encoder', 'replay-memory', 'prompt-pool', 'distiller'];

/**
 * The import rules. `forTests` lets test files of core libraries wire a real adapter (a core
 * strategy's tests run on the real ONNX Runtime engine), test files of a service host another
 * service as a peer, and test files use the harness of libs/testing; production code never may.
 */
const boundaries = (forTests) => {
  /** Tags test files may also depend on: the harness, and `extra`. */
  const testing = (extra) => (forTests ? ['layer:testing', ...extra] : []);
  return [
    'error',
    {
      enforceBuildableLibDependency: true,
      banTransitiveDependencies: true,
      checkDynamicDependenciesExceptions: [],
      allow: [],
      depConstraints: [
        // Layers: contracts <- core <- adapter <- service <- stack <- app; e2e tests may reach everything.
        // A service (apps/<name>) is its handlers, consumers and domain glue over the adapters; the
        // stack (libs/stack) is the one composition root that hosts every service's public factory.
        // The test harness (libs/testing) is for test files only.
        { sourceTag: 'layer:contracts', onlyDependOnLibsWithTags: ['layer:contracts'] },
        {
          sourceTag: 'layer:core',
          onlyDependOnLibsWithTags: forTests ? ['layer:core', 'layer:contracts', 'layer:adapter'] : ['layer:core', 'layer:contracts'],
        },
        // Tests of adapters may host real services (a client's tests talk to served services).
        {
          sourceTag: 'layer:adapter',
          onlyDependOnLibsWithTags: [...testing(['layer:service']), 'layer:adapter', 'layer:core', 'layer:contracts'],
        },
        { sourceTag: 'layer:testing', onlyDependOnLibsWithTags: ['layer:adapter', 'layer:core', 'layer:contracts'] },
        // Services sit side by side; the scope rules below keep them apart.
        {
          sourceTag: 'layer:service',
          onlyDependOnLibsWithTags: [...testing([]), 'layer:service', 'layer:adapter', 'layer:core', 'layer:contracts'],
        },
        {
          sourceTag: 'layer:stack',
          onlyDependOnLibsWithTags: [...testing([]), 'layer:service', 'layer:adapter', 'layer:core', 'layer:contracts'],
        },
        {
          sourceTag: 'layer:app',
          onlyDependOnLibsWithTags: [...testing([]), 'layer:stack', 'layer:adapter', 'layer:core', 'layer:contracts'],
        },
        {
          sourceTag: 'layer:e2e',
          onlyDependOnLibsWithTags: [
            'layer:app',
            'layer:stack',
            'layer:service',
            'layer:testing',
            'layer:adapter',
            'layer:core',
            'layer:contracts',
          ],
        },
        // Scope: one service's production code never depends on another service. Its tests may host
        // another service as a peer, through that service's public index (package exports hide the rest).
        ...(forTests
          ? []
          : SERVICES.map((name) => ({
              sourceTag: `scope:${name}`,
              notDependOnLibsWithTags: SERVICES.filter((s) => s !== name).map((s) => `scope:${s}`),
            }))),
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
};

/**
 * Production code throws MnemeError kinds only (libs/errors): the kind decides the status a caller
 * gets (libs/rpc), and a plain `Error` would reach gRPC callers as INTERNAL with its message hidden.
 * `allow` lists constructors a project may still use (libs/config: TypeError for schema mistakes).
 */
export const plainErrorBans = (allow = []) => {
  const names = ['Error', 'RangeError', 'TypeError', 'SyntaxError', 'ReferenceError', 'AggregateError'].filter((n) => !allow.includes(n));
  const callee = `/^(${names.join('|')})$/`;
  const message =
    "throw a MnemeError kind from @mneme/errors (InvalidArgumentError, NotFoundError, new MnemeError('internal', ...)), not a plain Error";
  return [
    'error',
    { selector: `NewExpression[callee.name=${callee}]`, message },
    { selector: `CallExpression[callee.name=${callee}]`, message },
    {
      selector: "ClassDeclaration[superClass.name='Error'], ClassExpression[superClass.name='Error']",
      message: 'extend MnemeError (@mneme/errors), not Error',
    },
  ];
};

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
      // With noUncheckedIndexedAccess a `!` is only needed where the type really admits undefined.
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
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
  {
    // Tests, test helpers and scripts may throw what they like; tools/ has its own config too.
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.test-util.ts', 'tools/**'],
    rules: { 'no-restricted-syntax': plainErrorBans() },
  },
  { files: ['**/*.json'], languageOptions: { parser: (await import('jsonc-eslint-parser')).default }, rules: {} },
  { ...tseslint.configs.disableTypeChecked, files: ['**/*.js', '**/*.mjs', '**/*.json'] },
  // Layout is Prettier's (.prettierrc.json, `npm run format`): lint fails on unformatted code, and
  // eslint's own layout rules are off so the two never disagree.
  { ...prettierRecommended, files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'] },
];
