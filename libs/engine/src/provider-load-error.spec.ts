import { createRequire } from 'node:module';
import { DType, encodeModel, GraphBuilder } from '@mneme/graph';
import { describe, expect, it } from 'vitest';
import { probeExecutionProvider } from './execution-providers.js';
import { ortErrorLine, providerLoadError } from './provider-load-error.js';

const ESC = String.fromCharCode(27);

describe('ortErrorLine', () => {
  it('takes the failed library load out of an ORT log, without colours or source location', () => {
    const log = [
      `${ESC}[0;93m2026-01-01 00:00:00.1 [W:onnxruntime:x, a.cc:1 F] a warning${ESC}[m`,
      `${ESC}[1;31m2026-01-01 00:00:00.2 [E:onnxruntime:onnxruntime-node, provider_bridge_ort.cc:2146 Create] ` +
        '/src/provider_bridge_ort.cc:1988 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : ' +
        `Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file: No such file or directory${ESC}[m`,
      '',
    ].join('\n');
    expect(ortErrorLine(log)).toBe(
      'Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file: No such file or directory',
    );
  });

  it('falls back to the first error line, and to nothing without one', () => {
    expect(ortErrorLine('2026 [E:onnxruntime:x, a.cc:1 F] CUDA failure 100: no CUDA-capable device is detected')).toBe(
      'CUDA failure 100: no CUDA-capable device is detected',
    );
    expect(ortErrorLine('2026 [W:onnxruntime:x, a.cc:1 F] only a warning\n')).toBeUndefined();
  });
});

describe('providerLoadError', () => {
  it("returns the dynamic loader's message for a provider library that does not load here", async (ctx) => {
    if ((await probeExecutionProvider('cuda')).available) ctx.skip('the CUDA provider loads here: nothing fails to load');
    const b = new GraphBuilder({ name: 'probe' });
    const x = b.input('x', DType.float32, [1]);
    b.output(b.op('Identity', [x], {}, { outputs: ['y'] })[0]!, DType.float32, [1]);
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    // Without the provider (CI): its libraries are missing; with it but no driver: libcuda.so.1 is.
    expect(await providerLoadError(entry, 'cuda', encodeModel(b.build()))).toMatch(
      /^Failed to load library \S*libonnxruntime_providers_(shared|cuda)\.so with error: \S+: cannot open shared object file/,
    );
  });
});
