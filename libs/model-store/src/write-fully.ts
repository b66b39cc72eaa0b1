import type { FileHandle } from 'node:fs/promises';
import { MnemeError } from '@mneme/errors';

/**
 * Writes all of `bytes`, at `position` or (without one) at the end of a file opened to append.
 * One write(2) may take only part of them, without an error (a disk filling up mid-write does
 * that): the rest goes in further writes, and the one that cannot make progress says why (ENOSPC).
 */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position === undefined ? null : position + done);
    if (bytesWritten === 0)
      throw Object.assign(new MnemeError('internal', `write made no progress after ${done} of ${bytes.byteLength} bytes`), { code: 'EIO' });
    done += bytesWritten;
  }
}
