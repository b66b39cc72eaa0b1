/**
 * One vitest configuration for every project, so test behaviour is the same everywhere.
 * Workspace packages resolve to their TypeScript sources through the `@mneme/source` export
 * condition, so tests never need a prior build.
 */
import { relative, resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** Where each project's JSON report goes; tools/run-tests.mjs sums them into one line. */
const REPORT_DIR = resolve(import.meta.dirname, '.mneme/test-reports');

export interface ProjectTestOptions {
  /** Project folder (pass `import.meta.dirname`). */
  root: string;
  /** Per-test timeout in milliseconds. @default 30000 */
  testTimeout?: number;
  /**
   * Spec files run at once. vitest's default is the core count less one (one file at a time on
   * this 2-core machine); a project whose files mostly wait (on a broker, on child processes) or
   * run single-threaded sessions finishes sooner with two. @default vitest's
   */
  maxWorkers?: number;
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
      reporters: ['default', ['json', { outputFile: `${REPORT_DIR}/${relative(import.meta.dirname, options.root)}.json` }]],
      // A freshly scaffolded project has no tests yet; the summary line still counts every test.
      passWithNoTests: true,
      pool: 'forks',
      ...(options.maxWorkers === undefined ? {} : { maxWorkers: options.maxWorkers }),
    },
  });
}
