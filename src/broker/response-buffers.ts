/**
 * ResponseBuffers: the buffers one request's log reads borrowed from the server's BufferPool.
 * The bytes read go into the response as they are, so the buffers are given back only once the
 * response has been handed to the kernel, or when no response is sent at all.
 */
import type { ReadBufferSource } from '../storage/read-buffer-source.js';
import type { BufferPool } from './buffer-pool.js';

/** Smaller reads come from Node's own shared pool for small buffers (Buffer.allocUnsafe). */
const MIN_POOLED_BYTES = 4096;

export class ResponseBuffers implements ReadBufferSource {
  private borrowed: Buffer[] | null = null;

  constructor(private readonly pool: BufferPool) {}

  allocate(size: number): Buffer {
    if (size < MIN_POOLED_BYTES) return Buffer.allocUnsafe(size);
    const buf = this.pool.acquire(size);
    if (buf === null) return Buffer.allocUnsafe(size);
    (this.borrowed ??= []).push(buf);
    return buf.subarray(0, size);
  }

  get isEmpty(): boolean {
    return this.borrowed === null;
  }

  /** Gives every borrowed buffer back; nothing may hold a view of them any more. */
  release(): void {
    const borrowed = this.borrowed;
    if (borrowed === null) return;
    this.borrowed = null;
    for (const buf of borrowed) this.pool.release(buf);
  }
}
