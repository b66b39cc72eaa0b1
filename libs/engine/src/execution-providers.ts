import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, sep } from 'node:path';
import { arch, platform } from 'node:os';
import { encodeModel, GraphBuilder } from '@mneme/graph';
import { InvalidArgumentError } from '@mneme/errors';
import { InferenceSession, listSupportedBackends, Tensor as OrtTensor } from 'onnxruntime-node';
import { EngineError } from './engine-error.js';
import { type Logger, silentLogger } from './logger.js';
import { cudaFailureCause, ortErrorDetail, providerLoadError } from './provider-errors.js';

/** What the operator asks for (`MNEME_DEVICE`): a provider, or `auto` = the best one that loads. */
export type DeviceRequest = 'auto' | 'cpu' | 'cuda';

/** Every accepted `MNEME_DEVICE` value. */
export const DEVICE_REQUESTS: readonly DeviceRequest[] = Object.freeze(['auto', 'cpu', 'cuda']);

/** An execution provider the engine can run sessions on. */
export type ProviderName = 'cpu' | 'cuda';

/** Outcome of probing one provider. */
export interface ProbeResult {
  /** Whether a session could be created and run on the provider. */
  readonly available: boolean;
  /** Why (not): one sentence, suitable for a log line or an error message. */
  readonly reason: string;
}

/** Checks whether a provider loads on this machine; injectable so tests can pretend a GPU exists. */
export type ProviderProbe = (provider: ProviderName) => Promise<ProbeResult>;

/** What the registry knows about one provider. */
export interface ExecutionProviderInfo {
  /** Provider name, as ONNX Runtime spells it in `executionProviders`. */
  readonly name: ProviderName;
  /** One line for logs. */
  readonly description: string;
  /** How to make the provider loadable when it is not; used in error messages. */
  readonly installHint: string;
}

/** The provider registry: one entry per provider, looked up by name. */
export const EXECUTION_PROVIDERS: Readonly<Record<ProviderName, ExecutionProviderInfo>> = Object.freeze({
  cpu: Object.freeze({
    name: 'cpu',
    description: 'ONNX Runtime CPU execution provider (bundled with onnxruntime-node)',
    installHint: 'The CPU provider ships inside onnxruntime-node; reinstall the package (npm ci) if its native binding is missing.',
  }),
  cuda: Object.freeze({
    name: 'cuda',
    description: 'ONNX Runtime CUDA execution provider (CUDA 13, cuDNN 9)',
    installHint:
      "onnxruntime-node's npm package has no CUDA provider: `bash tools/setup.sh --cuda` installs it " +
      '(libonnxruntime_providers_cuda.so with the CUDA 13 runtime, cuBLAS, cuDNN 9 and the other libraries it links, all ' +
      'from PyPI wheels) beside libonnxruntime.so.1, on linux/x64. It runs only where an NVIDIA GPU and its driver ' +
      '(libcuda.so.1, version 580 or newer for CUDA 13) are present; or set MNEME_DEVICE=cpu (or auto) to run on the CPU.',
  }),
});

/** Preference order of `auto`: the first provider that loads wins. */
const AUTO_ORDER: readonly ProviderName[] = ['cuda', 'cpu'];

/** The provider chosen for a request, and why; the engine logs both. */
export interface DeviceResolution {
  /** What was asked for. */
  readonly request: DeviceRequest;
  /** The provider sessions will run on. */
  readonly provider: ProviderName;
  /** Why this provider: the probe result, and for a fallback why the preferred one could not load. */
  readonly reason: string;
}

/** Options of {@link resolveDevice}. */
export interface ResolveDeviceOptions {
  /** Probe used to test providers. @default probeExecutionProvider */
  probe?: ProviderProbe;
  /** Where the choice and its reason are logged. @default silentLogger */
  logger?: Logger;
}

/**
 * Parses `MNEME_DEVICE` (unset or empty means `auto`).
 *
 * @throws InvalidArgumentError for any other value, naming the accepted ones
 */
export function deviceRequestFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): DeviceRequest {
  const raw = (env['MNEME_DEVICE'] ?? '').trim().toLowerCase();
  if (raw === '') return 'auto';
  if ((DEVICE_REQUESTS as readonly string[]).includes(raw)) return raw as DeviceRequest;
  throw new InvalidArgumentError(`MNEME_DEVICE=${env['MNEME_DEVICE']} is not a device; use one of ${DEVICE_REQUESTS.join(', ')}`);
}

/**
 * Chooses the execution provider for `request`. `cpu` and `cuda` must load or this throws; `auto`
 * takes CUDA when it loads and otherwise falls back to the CPU, logging why.
 *
 * @throws EngineError `failed-precondition` when the requested provider cannot load (the message
 *   says why and how to install it)
 */
export async function resolveDevice(request: DeviceRequest, options: ResolveDeviceOptions = {}): Promise<DeviceResolution> {
  const probe = options.probe ?? probeExecutionProvider;
  const logger = options.logger ?? silentLogger;
  if (!(DEVICE_REQUESTS as readonly string[]).includes(request)) {
    throw new InvalidArgumentError(`device request '${String(request)}' is not one of ${DEVICE_REQUESTS.join(', ')}`);
  }
  const candidates = request === 'auto' ? AUTO_ORDER : [request];
  const refusals: string[] = [];
  for (const provider of candidates) {
    const result = await probe(provider);
    if (result.available) {
      const reason =
        refusals.length === 0
          ? `${request === 'auto' ? 'auto' : 'requested'}: ${result.reason}`
          : `auto fell back to ${provider}: ${refusals.join('; ')}`;
      const resolution: DeviceResolution = { request, provider, reason };
      if (refusals.length > 0) logger.warn('execution provider fallback', { ...resolution });
      else logger.info('execution provider selected', { ...resolution });
      return resolution;
    }
    refusals.push(`${provider} cannot load (${result.reason})`);
    if (request !== 'auto') {
      const info = EXECUTION_PROVIDERS[provider];
      logger.error('requested execution provider cannot load', { request, provider, reason: result.reason });
      throw new EngineError(
        'failed-precondition',
        `MNEME_DEVICE=${request} but the ${info.description} cannot load: ${result.reason}. ${info.installHint}`,
      );
    }
  }
  throw new EngineError('failed-precondition', `no execution provider loads: ${refusals.join('; ')}`);
}

/**
 * The default probe: checks that this onnxruntime-node build knows the provider, then creates and
 * runs a one-node session on it. ONNX Runtime refuses to create a session whose provider library
 * cannot load, so a successful run means the provider really works here. When the library fails to
 * load, the reason carries ORT's own error (e.g. which dependency is missing) and its cause in words.
 *
 * Each provider is probed once per process and the result reused: whether a provider library loads
 * does not change while the process runs, and a failed load makes ORT log an error each time.
 */
export function probeExecutionProvider(provider: ProviderName): Promise<ProbeResult> {
  let result = probeResults.get(provider);
  if (result === undefined) {
    result = probeOnce(provider);
    probeResults.set(provider, result);
  }
  return result;
}

const probeResults = new Map<ProviderName, Promise<ProbeResult>>();

async function probeOnce(provider: ProviderName): Promise<ProbeResult> {
  const backend = listSupportedBackends().find((b) => b.name === provider);
  if (backend === undefined) {
    return { available: false, reason: `this onnxruntime-node build has no ${provider} backend on ${platform()}/${arch()}` };
  }
  const packaging = backend.bundled ? 'bundled with onnxruntime-node' : 'not bundled with onnxruntime-node';
  if (!backend.bundled) {
    // Look for the provider library before asking ONNX Runtime, which logs loudly when it is absent.
    const library = providerLibraryPath(provider);
    if (library !== undefined && !existsSync(library)) {
      return {
        available: false,
        reason: `the ${provider} provider library is not installed (${packaging}; looked for ${basename(library)} beside the runtime)`,
      };
    }
  }
  const model = probeModelBytes();
  let session: InferenceSession | undefined;
  try {
    // Fatal-only logging: the failure is reported through the returned reason instead.
    session = await InferenceSession.create(model, { executionProviders: [provider], logSeverityLevel: 4 });
    const out = await session.run({ x: new OrtTensor('float32', new Float32Array([1.5]), [1]) });
    const y = out['y'];
    if (y?.data[0] !== 1.5) return { available: false, reason: `a test session on ${provider} returned a wrong value` };
    return { available: true, reason: `a test session ran on ${provider} (${packaging})` };
  } catch (error) {
    let detail = ortErrorDetail(error instanceof Error ? error.message : String(error));
    const entry = onnxruntimeEntry();
    if (/Failed to load shared library/i.test(detail) && entry !== undefined) {
      // The thrown error hides the loader's message; ORT logs it, so repeat the load where the log can be read.
      detail = (await providerLoadError(entry, provider, model)) ?? detail;
    }
    const cause = provider === 'cuda' ? cudaFailureCause(detail) : undefined;
    return {
      available: false,
      reason: `creating a session on ${provider} failed (${packaging})${cause === undefined ? '' : `: ${cause}`}; ONNX Runtime said: ${detail}`,
    };
  } finally {
    await session?.release();
  }
}

/**
 * Where onnxruntime-node keeps a provider's shared library on this platform (beside
 * libonnxruntime.so.1, where `bash tools/setup.sh --cuda` puts the CUDA one), or undefined where
 * that cannot be told (not Linux, or onnxruntime-node not resolvable).
 */
export function providerLibraryPath(provider: ProviderName): string | undefined {
  const entry = onnxruntimeEntry();
  if (platform() !== 'linux' || entry === undefined) return undefined;
  const root = entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`));
  return join(root, 'bin', 'napi-v6', platform(), arch(), `libonnxruntime_providers_${provider}.so`);
}

/** onnxruntime-node's resolved entry file, if it resolves. */
function onnxruntimeEntry(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('onnxruntime-node');
  } catch {
    return undefined;
  }
}

function probeModelBytes(): Uint8Array {
  const b = new GraphBuilder({ name: 'probe' });
  const x = b.input('x', 'float32', [1]);
  b.output(b.op('Identity', [x], {}, { name: 'identity', outputs: ['y'] })[0]!, 'float32', [1]);
  return encodeModel(b.build());
}
