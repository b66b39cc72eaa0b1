/**
 * The architecture's import rules are lint rules; these tests lint probe files placed (virtually)
 * inside real projects and check that violations fail and allowed imports pass.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** The boundary rule's complaints about a banned package or a forbidden layer/tag edge. */
async function boundaryErrors(project: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, project, 'src/boundary-probe.mjs') });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries' && m.severity === 2)
    .map((m) => m.message)
    .filter((m) => /not allowed to import|can only depend on|can not depend on/.test(m));
}

describe('module boundaries', () => {
  it('only libs/engine may import onnxruntime-node', async () => {
    expect(await boundaryErrors('libs/tensor', "import ort from 'onnxruntime-node';\nexport { ort };\n")).toEqual([
      expect.stringContaining('onnxruntime-node'),
    ]);
    expect(await boundaryErrors('libs/rpc', "import ort from 'onnxruntime-node';\nexport { ort };\n")).toHaveLength(1);
    expect(await boundaryErrors('libs/engine', "import ort from 'onnxruntime-node';\nexport { ort };\n")).toEqual([]);
  });

  it('only libs/rpc and libs/contracts may import @grpc/grpc-js', async () => {
    const probe = "import { Server } from '@grpc/grpc-js';\nexport { Server };\n";
    expect(await boundaryErrors('libs/engine', probe)).toEqual([expect.stringContaining('@grpc/grpc-js')]);
    expect(await boundaryErrors('libs/tensor', probe)).toHaveLength(1);
    expect(await boundaryErrors('libs/rpc', probe)).toEqual([]);
    expect(await boundaryErrors('libs/contracts', probe)).toEqual([]);
  });

  it('nobody but libs/events may import kafkajs', async () => {
    const probe = "import { Kafka } from 'kafkajs';\nexport { Kafka };\n";
    for (const project of ['libs/rpc', 'libs/engine', 'libs/tensor', 'libs/config']) {
      expect(await boundaryErrors(project, probe)).toEqual([expect.stringContaining('kafkajs')]);
    }
  });

  it('core libraries may not depend on adapters', async () => {
    const probe = "import { startServer } from '@mneme/rpc';\nexport { startServer };\n";
    expect(await boundaryErrors('libs/tensor', probe)).toEqual([expect.stringContaining('layer:')]);
  });

  it('one service never depends on another; the stack composes them all', async () => {
    const probe = "import { createTrainerService } from '@mneme/trainer';\nexport { createTrainerService };\n";
    expect(await boundaryErrors('apps/encoder', probe)).toEqual([expect.stringContaining('scope:')]);
    expect(await boundaryErrors('apps/evaluator', probe)).toEqual([expect.stringContaining('scope:')]);
    expect(await boundaryErrors('libs/stack', probe)).toEqual([]);
    // Adapters host services only in their tests; the command line reaches them through the stack.
    expect(await boundaryErrors('libs/client', probe)).toEqual([expect.stringContaining('layer:')]);
    expect(await boundaryErrors('apps/cli', probe)).toEqual([expect.stringContaining('layer:')]);
    const stack = "import { startStack } from '@mneme/stack';\nexport { startStack };\n";
    expect(await boundaryErrors('apps/cli', stack)).toEqual([]);
  });

  it('only test files use the test harness', async () => {
    const probe = "import { testExecutor } from '@mneme/testing';\nexport { testExecutor };\n";
    expect(await boundaryErrors('apps/trainer', probe)).toEqual([expect.stringContaining('layer:')]);
    expect(await boundaryErrors('libs/stack', probe)).toEqual([expect.stringContaining('layer:')]);
  });

  it('pure domain libraries never see wire types', async () => {
    const probe = "import { Tensor } from '@mneme/contracts';\nexport { Tensor };\n";
    expect(await boundaryErrors('libs/autodiff', probe)).not.toEqual([]);
    expect(await boundaryErrors('libs/tensor', probe)).toEqual([]);
  });
});
