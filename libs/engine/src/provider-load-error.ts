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
export async function providerLoadError(ortEntry: string, provider: string, model: Uint8Array, timeoutMs = 60_000): Promise<string | undefined> {
  const args = ['-e', CHILD_SCRIPT, ortEntry, provider, Buffer.from(model).toString('base64')];
  const stderr = await new Promise<string>((resolve) => {
    execFile(process.execPath, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (_error, _stdout, err) => resolve(String(err)));
  });
  return ortErrorLine(stderr);
}

/** The first ORT error log line in `log`, preferring a failed library load, with colours and prefix removed. */
export function ortErrorLine(log: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const lines = log.replace(/\u001b\[[0-9;]*m/g, '').split('\n').filter((l) => /\[E:onnxruntime/.test(l));
  const line = lines.find((l) => /Failed to load library/.test(l)) ?? lines[0];
  if (line === undefined) return undefined;
  // "<time> [E:onnxruntime:<logger>, <file:line> <fn>] <src file:line> <fn> [ONNXRuntimeError] : 1 : FAIL : <message>"
  const message = line.match(/\[ONNXRuntimeError\] : \d+ : \w+ : (.*)$/)?.[1] ?? line.slice(line.indexOf('] ') + 2);
  return message.trim();
}
