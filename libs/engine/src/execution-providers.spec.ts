import { existsSync } from 'node:fs';
import { MnemeError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { EngineError } from './engine-error.js';
import {
  deviceRequestFromEnv,
  probeExecutionProvider,
  providerLibraryPath,
  type ProviderProbe,
  resolveDevice,
} from './execution-providers.js';
import { recordingLogger } from './test-helpers.test-util.js';

// CI does not install the CUDA provider (2+ GB of CUDA wheels); `bash tools/setup.sh --cuda` does.
const cudaLibrary = providerLibraryPath('cuda');
const cudaInstalled = cudaLibrary !== undefined && existsSync(cudaLibrary);
const NOT_INSTALLED = 'the CUDA provider library is not installed: run `bash tools/setup.sh --cuda` to run this test';
const INSTALLED = 'the CUDA provider library is installed: this test covers the machine without it';
// The probe of a machine without a usable GPU; these tests check the refusal and the fallback.
const cudaUsable = (await probeExecutionProvider('cuda')).available;
const GPU_PRESENT = 'a usable CUDA GPU is present: this test covers a machine without one';

const gpuMachine: ProviderProbe = async (provider) => ({ available: true, reason: `${provider} loads (fake GPU machine)` });
const cpuOnly: ProviderProbe = async (provider) =>
  provider === 'cpu' ? { available: true, reason: 'cpu loads' } : { available: false, reason: 'libcuda.so.1 not found' };

describe('resolveDevice', () => {
  it('runs on the CPU here when asked for cpu', async () => {
    const logger = recordingLogger();
    const device = await resolveDevice('cpu', { logger });
    expect(device.provider).toBe('cpu');
    expect(device.reason).toMatch(/test session ran on cpu/);
    expect(logger.records.some((r) => r.level === 'info' && r.fields?.['provider'] === 'cpu')).toBe(true);
  });

  it('refuses cuda without the provider library, saying it is not installed and how to install it', async (ctx) => {
    if (cudaInstalled) ctx.skip(INSTALLED);
    const logger = recordingLogger();
    const error = await resolveDevice('cuda', { logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toBeInstanceOf(MnemeError);
    const err = error as EngineError;
    expect(err.kind).toBe('failed-precondition');
    // Why: the provider library is missing (the npm package has none).
    expect(err.message).toMatch(
      /cuda provider library is not installed \(not bundled with onnxruntime-node; looked for libonnxruntime_providers_cuda\.so/,
    );
    // How: the set-up script.
    expect(err.message).toContain('bash tools/setup.sh --cuda');
    expect(logger.records.some((r) => r.level === 'error')).toBe(true);
  });

  it("refuses cuda with the provider installed but no driver or device, with ORT's own error and its cause", async (ctx) => {
    if (!cudaInstalled) ctx.skip(NOT_INSTALLED);
    if (cudaUsable) ctx.skip(GPU_PRESENT);
    const logger = recordingLogger();
    const error = await resolveDevice('cuda', { logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    const err = error as EngineError;
    expect(err.kind).toBe('failed-precondition');
    // ORT's words: the loader's message on libcuda.so.1 (no driver) or the CUDA runtime's error (no device).
    expect(err.message).toMatch(
      /ONNX Runtime said: (Failed to load library \S*libonnxruntime_providers_cuda\.so with error: libcuda\.so\.1: cannot open shared object file|CUDA failure \d+: )/,
    );
    // The cause in words, not "not installed".
    expect(err.message).toMatch(
      /: (no NVIDIA driver on this machine|no CUDA device is visible|the NVIDIA driver is too old|libcuda\.so\.1 is the CUDA toolkit's stub)/,
    );
    expect(err.message).not.toMatch(/not installed/);
    expect(logger.records.find((r) => r.level === 'error')?.fields?.['reason']).toMatch(/ONNX Runtime said:/);
  });

  it('falls back from auto to cpu without a GPU and logs the reason', async (ctx) => {
    if (cudaUsable) ctx.skip(GPU_PRESENT);
    const logger = recordingLogger();
    const device = await resolveDevice('auto', { logger });
    expect(device.provider).toBe('cpu');
    expect(device.reason).toMatch(/auto fell back to cpu: cuda cannot load/);
    expect(device.reason).toMatch(cudaInstalled ? /ONNX Runtime said: .*(libcuda\.so\.1|CUDA failure)/ : /not installed/);
    const warning = logger.records.find((r) => r.level === 'warn');
    expect(warning?.fields?.['reason']).toBe(device.reason);
  });

  it('runs on cuda where the provider is installed and a GPU is usable', async (ctx) => {
    if (!cudaUsable) ctx.skip(cudaInstalled ? 'no usable CUDA GPU here' : NOT_INSTALLED);
    expect((await resolveDevice('cuda')).provider).toBe('cuda');
    expect((await resolveDevice('auto')).provider).toBe('cuda');
  });

  it('chooses cuda for auto and cuda when the probe says it loads', async () => {
    expect((await resolveDevice('auto', { probe: gpuMachine })).provider).toBe('cuda');
    const device = await resolveDevice('cuda', { probe: gpuMachine });
    expect(device).toEqual({ request: 'cuda', provider: 'cuda', reason: 'requested: cuda loads (fake GPU machine)' });
  });

  it('passes the probe reason into the cuda error and the auto fallback', async () => {
    await expect(resolveDevice('cuda', { probe: cpuOnly })).rejects.toThrow(/libcuda\.so\.1 not found/);
    expect((await resolveDevice('auto', { probe: cpuOnly })).reason).toMatch(/libcuda\.so\.1 not found/);
  });

  it('fails when even the cpu cannot load', async () => {
    const nothing: ProviderProbe = async () => ({ available: false, reason: 'binding missing' });
    await expect(resolveDevice('auto', { probe: nothing })).rejects.toThrow(/no execution provider loads/);
    await expect(resolveDevice('cpu', { probe: nothing })).rejects.toThrow(/cpu.*binding missing/i);
  });
});

describe('probeExecutionProvider', () => {
  it('reports cpu available, and cuda unavailable without a GPU, in one plain line', async (ctx) => {
    expect((await probeExecutionProvider('cpu')).available).toBe(true);
    if (cudaUsable) ctx.skip(GPU_PRESENT);
    const cuda = await probeExecutionProvider('cuda');
    expect(cuda.available).toBe(false);
    expect(cuda.reason.includes(String.fromCharCode(27))).toBe(false);
    expect(cuda.reason.includes('\n')).toBe(false);
  });

  it('probes once per process and reuses the result', () => {
    expect(probeExecutionProvider('cuda')).toBe(probeExecutionProvider('cuda'));
  });
});

describe('deviceRequestFromEnv', () => {
  it('reads MNEME_DEVICE, defaulting to auto', () => {
    expect(deviceRequestFromEnv({})).toBe('auto');
    expect(deviceRequestFromEnv({ MNEME_DEVICE: ' CUDA ' })).toBe('cuda');
    expect(deviceRequestFromEnv({ MNEME_DEVICE: 'cpu' })).toBe('cpu');
    expect(() => deviceRequestFromEnv({ MNEME_DEVICE: 'gpu' })).toThrow(/MNEME_DEVICE=gpu .*auto, cpu, cuda/);
  });
});
