import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR_ENV, findWorkspaceRoot, locateDataSet, resolveDataDir } from './index.js';
import { tempFiles } from './synthetic.test-util.js';

describe('resolveDataDir', () => {
  it('prefers the argument, then the environment, then ../shared/data beside the workspace root', async () => {
    const root = await tempFiles({});
    const workspace = join(root, 'repo');
    const project = join(workspace, 'libs', 'data');
    await mkdir(project, { recursive: true });
    await writeFile(join(workspace, 'nx.json'), '{}');

    expect(resolveDataDir({ cwd: project, env: {} })).toBe(join(root, 'shared', 'data'));
    expect(resolveDataDir({ cwd: project, env: { [DATA_DIR_ENV]: 'rel/data' } })).toBe(join(project, 'rel', 'data'));
    expect(resolveDataDir({ cwd: project, env: { [DATA_DIR_ENV]: '  ' } })).toBe(join(root, 'shared', 'data'));
    expect(resolveDataDir({ cwd: project, env: { [DATA_DIR_ENV]: '/elsewhere' }, dataDir: 'given' })).toBe(join(project, 'given'));
  });

  it('falls back to the working directory outside a workspace', async () => {
    const dir = await tempFiles({});
    expect(findWorkspaceRoot(dir)).toBeUndefined();
    expect(resolveDataDir({ cwd: dir, env: {} })).toBe(resolve(dir, '../shared/data'));
  });
});

describe('locateDataSet', () => {
  it('says whether the set is there and, if not, how to point at it', async () => {
    const dir = await tempFiles({});
    await mkdir(join(dir, 'clinc150'));
    expect(locateDataSet('clinc150', { dataDir: dir })).toMatchObject({ path: join(dir, 'clinc150'), exists: true });
    const missing = locateDataSet('snips', { dataDir: dir });
    expect(missing.exists).toBe(false);
    expect(missing.missingMessage).toBe(
      `../shared/data/snips not found (looked in ${join(dir, 'snips')}): set MNEME_DATA_DIR to the directory holding snips/`,
    );
  });
});
