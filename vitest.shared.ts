/**
 * One vitest configuration for every project, so test behaviour is the same everywhere.
 * Workspace packages resolve to their TypeScript sources through the `@mneme/source` export
 * condition, so tests never need a prior build.
 */
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export interface ProjectTestOptions {
  /** Project folder (pass `import.meta.dirname`). */
  root: string;
  /** Per-test timeout in milliseconds. @default 30000 */
  testTimeout?: number;
}

export function projectTestConfig(options: ProjectTestOptions): ViteUserConfig {
  const conditions = ['@mneme/source', 'node', 'import', 'default'];
  return defineConfig({
    root: options.root,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@mneme/source'] } },
    test: {
      include: ['src/**/*.spec.ts'],
      environment: 'node',
      testTimeout: options.testTimeout ?? 30_000,
      reporters: process.env['CI'] ? ['default', ['json', { outputFile: `${options.root}/.test-report.json` }]] : ['default'],
      pool: 'forks',
    },
  });
}
