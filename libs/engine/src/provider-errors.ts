/** What ONNX Runtime's provider errors say: the useful part of its messages, and CUDA causes in words. */
import { execFile } from 'node:child_process';

/**
 * The child's script: create one session on the provider, exit 0 on success and 1 otherwise. Its
 * arguments are onnxruntime-node's entry, the provider name and the model (base64).
 */
const CHILD_SCRIPT = `
const [ortEntry, provider, model] = process.argv.slice(1);
require(ortEntry)
  .InferenceSession.create(Buffer.from(model, 'base64'), { executionProviders: [provider] })
  .then(() => process.exit(0), () => process.exit(1));
`;

/**
 * ONNX Runtime's own words for why a provider's shared library did not load.
 *
 * When dlopen fails, the error onnxruntime-node throws says only "Failed to load shared library";
 * the dynamic loader's message (which dependency is missing, e.g. the NVIDIA driver's libcuda.so.1)
 * goes to ORT's log on stderr. A child Node process repeats the attempt and this returns that log
 * line, without ORT's source-location prefix.
 *
 * @param ortEntry onnxruntime-node's resolved entry file
 * @param provider the provider name as ORT spells it in `executionProviders`
 * @param model any valid ONNX model
 * @returns the error line, or undefined when the child logged none (or loaded the provider)
 */
export async function providerLoadError(
  ortEntry: string,
  provider: string,
  model: Uint8Array,
  timeoutMs = 60_000,
): Promise<string | undefined> {
  const args = ['-e', CHILD_SCRIPT, ortEntry, provider, Buffer.from(model).toString('base64')];
  const stderr = await new Promise<string>((resolve) => {
    execFile(process.execPath, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (_error, _stdout, err) => resolve(String(err)));
  });
  return ortErrorLine(stderr);
}

/** The first ORT error log line in `log`, preferring a failed library load, with colours and prefix removed. */
export function ortErrorLine(log: string): string | undefined {
  const lines = log
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => /\[E:onnxruntime/.test(l));
  const line = lines.find((l) => /Failed to load library/.test(l)) ?? lines[0];
  if (line === undefined) return undefined;
  // "<time> [E:onnxruntime:<logger>, <file:line> <fn>] <src file:line> <fn> [ONNXRuntimeError] : 1 : FAIL : <message>"
  const message = line.match(/\[ONNXRuntimeError\] : \d+ : \w+ : (.*)$/)?.[1] ?? line.slice(line.indexOf('] ') + 2);
  return message.trim();
}

/**
 * The useful part of an error ORT threw: one line, without colour codes, and for a failed CUDA call
 * without the source locations and C++ signatures in front of the call's own error.
 */
export function ortErrorDetail(message: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '');
  const lines = plain
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const line = lines.find((l) => /Failed to load|cannot open|error|failure/i.test(l)) ?? lines[0] ?? 'unknown error';
  const useful = /\b(CUDA|CUDNN|CUBLAS|CURAND|CUFFT) failure -?\d+:.*$/.exec(line)?.[0].trim() ?? line;
  return useful.length > 400 ? `${useful.slice(0, 400)}…` : useful;
}

/**
 * The CUDA failures ONNX Runtime reports, each with its cause in words. The provider library links
 * the driver's libcuda.so.1 directly, so without a driver the library itself fails to load; with a
 * driver, the CUDA runtime's own error names the problem.
 */
const CUDA_FAILURE_CAUSES: readonly (readonly [RegExp, string])[] = [
  [/libcuda\.so\.1: cannot open/, 'no NVIDIA driver on this machine (libcuda.so.1, which the driver installs, cannot be loaded)'],
  [
    /cudaErrorInsufficientDriver|cudaErrorCallRequiresNewerDriver|driver version is insufficient|not supported in the installed CUDA driver/i,
    'the NVIDIA driver is too old for the CUDA 13 runtime (it needs 580 or newer)',
  ],
  [/cudaErrorStubLibrary|CUDA driver is a stub library/i, "libcuda.so.1 is the CUDA toolkit's stub, not the NVIDIA driver"],
  [
    /cudaErrorNoDevice|no CUDA-capable device/i,
    'no CUDA device is visible to this process (check the GPU, CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES)',
  ],
  [
    /lib(cudart|cublas|cublasLt|curand|cufft|cudnn|nvrtc|nvJitLink)[\w.-]*\.so[\w.]*: cannot open/,
    'a CUDA library the provider links is missing beside it (reinstall it: bash tools/setup.sh --cuda)',
  ],
];

/** The cause, in words, of a CUDA provider failure ORT reported (see {@link ortErrorDetail}); undefined when unknown. */
export function cudaFailureCause(detail: string): string | undefined {
  return CUDA_FAILURE_CAUSES.find(([pattern]) => pattern.test(detail))?.[1];
}
