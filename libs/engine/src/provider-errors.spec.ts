import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encodeModel, GraphBuilder } from '@mneme/graph';
import { describe, expect, it } from 'vitest';
import { probeExecutionProvider, providerLibraryPath } from './execution-providers.js';
import { cudaFailureCause, ortErrorDetail, ortErrorLine, providerLoadError } from './provider-errors.js';

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

describe('ortErrorDetail', () => {
  it("keeps a failed CUDA call's error without ORT's source locations and signatures", () => {
    const thrown =
      '/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:154 std::conditional_t<THRW, void, onnxruntime::common::Status> ' +
      'onnxruntime::CudaCall(ERRTYPE, const char*, const char*, SUCCTYPE, const char*, const char*, int) [with ERRTYPE = cudaError] ' +
      'CUDA failure 100: no CUDA-capable device is detected ; GPU=-1 ; hostname=vm ; expr=cudaSetDevice(info_.device_id); \n\n';
    expect(ortErrorDetail(thrown)).toBe(
      'CUDA failure 100: no CUDA-capable device is detected ; GPU=-1 ; hostname=vm ; expr=cudaSetDevice(info_.device_id);',
    );
  });

  it('takes the error line of a multi-line message, without colours, at most 400 characters and a mark', () => {
    expect(ortErrorDetail(`${ESC}[1;31mnoise\nFailed to load shared library${ESC}[m\n`)).toBe('Failed to load shared library');
    expect(ortErrorDetail('')).toBe('unknown error');
    expect(ortErrorDetail(`error ${'x'.repeat(500)}`)).toHaveLength(401);
  });
});

describe('cudaFailureCause', () => {
  it.each([
    [
      'Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file',
      /no NVIDIA driver/,
    ],
    ['CUDA failure 100: no CUDA-capable device is detected ; GPU=-1', /no CUDA device is visible/],
    ['CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version', /driver is too old .* 580/],
    ['CUDA failure 36: API call is not supported in the installed CUDA driver', /driver is too old/],
    ['CUDA failure 34: CUDA driver is a stub library', /stub, not the NVIDIA driver/],
    [
      'Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file',
      /bash tools\/setup\.sh --cuda/,
    ],
  ])('names the cause of %s', (detail, cause) => {
    expect(cudaFailureCause(detail)).toMatch(cause);
  });

  it('names none for an error it does not know', () => {
    expect(cudaFailureCause('CUDA failure 2: out of memory')).toBeUndefined();
  });
});

describe('providerLoadError', () => {
  it("returns the dynamic loader's message for a provider library that does not load here", async (ctx) => {
    // Without the provider (CI) its libraries are missing; with it, it fails to load only without a driver.
    const library = providerLibraryPath('cuda');
    const probe = await probeExecutionProvider('cuda');
    const loads = probe.available || (library !== undefined && existsSync(library) && !probe.reason.includes('Failed to load library'));
    if (loads) ctx.skip('the CUDA provider library loads here: nothing fails to load');
    const b = new GraphBuilder({ name: 'probe' });
    const x = b.input('x', 'float32', [1]);
    b.output(b.op('Identity', [x], {}, { outputs: ['y'] })[0]!, 'float32', [1]);
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    expect(await providerLoadError(entry, 'cuda', encodeModel(b.build()))).toMatch(
      /^Failed to load library \S*libonnxruntime_providers_(shared|cuda)\.so with error: \S+: cannot open shared object file/,
    );
  });
});
