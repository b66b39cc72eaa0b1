import { TensorError, type TensorErrorCode } from './tensor-error.js';

/** Runs `fn`, expects a TensorError, and returns it so a test can check code and message. */
export function tensorErrorOf(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TensorError) return e;
    throw e;
  }
  throw new Error('expected a TensorError, but nothing was thrown');
}

/** Expects `fn` to throw a TensorError with this code and a message matching `message`. */
export function expectTensorError(fn: () => unknown, code: TensorErrorCode, message: string | RegExp): void {
  const e = tensorErrorOf(fn);
  if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`);
  const ok = typeof message === 'string' ? e.message === message : message.test(e.message);
  if (!ok) throw new Error(`unexpected message: ${e.message}\nwanted: ${String(message)}`);
}
