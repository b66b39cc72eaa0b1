import { closeSync, openSync, writeSync } from 'node:fs';
import { MnemeError } from '@mneme/errors';

/** Buffered bytes past which a write goes to disk without waiting for a flush. */
const FLUSH_AT = 64 * 1024;

/**
 * A file written from its start (an existing one is replaced) through a buffer, synchronously:
 * a logger's calls are synchronous, so events land in order and nothing is lost at exit.
 */
export class AppendFile {
  private fd: number | undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private static readonly encoder = new TextEncoder();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(data: string | Uint8Array): void {
    if (this.fd === undefined) throw new MnemeError('internal', `${this.path} is closed`);
    const bytes = typeof data === 'string' ? AppendFile.encoder.encode(data) : data;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    if (this.buffered >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.buffered === 0) return;
    const all = Buffer.concat(this.chunks);
    let written = 0;
    while (written < all.length) written += writeSync(this.fd, all, written, all.length - written);
    this.chunks = [];
    this.buffered = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
