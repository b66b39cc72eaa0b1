import { MnemeError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { EngineError } from './engine-error.js';
import { deviceRequestFromEnv, probeExecutionProvider, type ProviderProbe, resolveDevice } from './execution-providers.js';
import { recordingLogger } from './test-helpers.test-util.js';

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

  it('refuses cuda on this machine, saying why and how to install the provider', async () => {
    const logger = recordingLogger();
    const error = await resolveDevice('cuda', { logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toBeInstanceOf(MnemeError);
    const err = error as EngineError;
    expect(err.kind).toBe('failed-precondition');
    // Why: the provider library is missing (the install script was skipped).
    expect(err.message).toMatch(/not bundled with onnxruntime-node/);
    expect(err.message).toMatch(/providers_(shared|cuda)\.so|Failed to load/);
    // How: the install script, at image build time.
    expect(err.message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(err.message).toMatch(/image build time/);
    expect(logger.records.some((r) => r.level === 'error')).toBe(true);
  });

  it('falls back from auto to cpu here and logs the reason', async () => {
    const logger = recordingLogger();
    const device = await resolveDevice('auto', { logger });
    expect(device.provider).toBe('cpu');
    expect(device.reason).toMatch(/auto fell back to cpu: cuda cannot load/);
    const warning = logger.records.find((r) => r.level === 'warn');
    expect(warning?.fields?.['reason']).toBe(device.reason);
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
  it('reports cpu available and cuda unavailable on this machine', async () => {
    expect((await probeExecutionProvider('cpu')).available).toBe(true);
    const cuda = await probeExecutionProvider('cuda');
    expect(cuda.available).toBe(false);
    expect(cuda.reason.includes(String.fromCharCode(27))).toBe(false);
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
