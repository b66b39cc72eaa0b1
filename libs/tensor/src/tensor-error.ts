import { InvalidArgumentError } from '@mneme/errors';

/**
 * What kind of problem a {@link TensorError} reports. Callers branch on the code, never on the
 * message text. Every TensorError is an InvalidArgumentError, so rpc answers INVALID_ARGUMENT.
 */
export type TensorErrorCode =
  /** A shape is not an array of non-negative safe integers, or its size is not a safe integer. */
  | 'INVALID_SHAPE'
  /** A dtype is unknown or unspecified, does not match the data's TypedArray, or is not the expected one. */
  | 'INVALID_DTYPE'
  /** Wire bytes do not hold exactly size × byte width bytes. */
  | 'BYTE_LENGTH_MISMATCH'
  /** A float tensor holds NaN or ±Infinity where the caller forbids them. */
  | 'NON_FINITE'
  /** An element count does not match a shape's size (construction, reshape). */
  | 'SIZE_MISMATCH'
  /** A valid shape is not the shape the caller expected. */
  | 'SHAPE_MISMATCH'
  /** An element value cannot be stored in the dtype (bool other than 0/1, integer out of range). */
  | 'INVALID_VALUE';

/**
 * The one error type of `@mneme/tensor`. The message says what was wrong and what was expected,
 * e.g. "tensor data has 10 bytes but shape [2, 3] of float32 needs 24 bytes".
 */
export class TensorError extends InvalidArgumentError {
  /** Always `'TensorError'`, so logs name the type even after serialization. */
  override readonly name = 'TensorError';
  /** The kind of problem; stable across releases, unlike the message. */
  readonly code: TensorErrorCode;

  /**
   * @param code the kind of problem
   * @param message what was wrong and what was expected
   * @param options standard error options (e.g. `cause`)
   */
  constructor(code: TensorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
