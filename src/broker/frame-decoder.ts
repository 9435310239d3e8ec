/**
 * FrameDecoder: splits a connection's byte stream into Kafka request frames (a 4-byte big-endian
 * size, then that many bytes).
 *
 * Chunks are kept as a list and concatenated only when a frame straddles them, so a frame that
 * arrives within one socket read is handed on as a view of that read. A size prefix above
 * `maxFrameBytes` (socket.request.max.bytes) or below zero is refused before anything is
 * allocated for it: the caller closes the connection with the reason.
 */

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
}

const SIZE_BYTES = 4;

/** Where frames that straddle socket reads may be assembled (see RequestBufferPool). */
export interface FrameBufferSource {
  /** A buffer of at least `size` bytes for a frame of API `apiKey`, or null to allocate a fresh one. */
  acquire(apiKey: number, size: number): Buffer | null;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 while its prefix is incomplete. */
  private frameSize = -1;
  /** The pooled buffer the last frame returned was assembled in, for the caller to give back. */
  lastFrameBacking: Buffer | null = null;

  constructor(private readonly maxFrameBytes: number, private readonly buffers: FrameBufferSource | null = null) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame (without its size prefix), or null until more bytes arrive. */
  next(): Buffer | null {
    if (this.frameSize < 0) {
      if (this.buffered < SIZE_BYTES) return null;
      const size = this.readSizePrefix();
      if (size < 0 || size > this.maxFrameBytes) {
        throw new FrameTooLargeError(`request size ${size} is outside [0, ${this.maxFrameBytes}] (socket.request.max.bytes)`);
      }
      this.frameSize = size;
      this.consume(SIZE_BYTES);
    }
    if (this.buffered < this.frameSize) return null;
    const frame = this.take(this.frameSize);
    this.frameSize = -1;
    return frame;
  }

  private readSizePrefix(): number {
    const first = this.chunks[0]!;
    if (first.length >= SIZE_BYTES) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.buffered, 16));
    return head.readInt32BE(0);
  }

  private consume(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    this.lastFrameBacking = null;
    if (n === 0) return Buffer.alloc(0);
    if (first && first.length >= n) {
      const frame = first.subarray(0, n);
      this.consume(n);
      return frame;
    }
    const pooled = this.buffers !== null && first !== undefined && first.length >= 2 ? this.buffers.acquire(first.readInt16BE(0), n) : null;
    this.lastFrameBacking = pooled;
    const frame = pooled !== null ? pooled.subarray(0, n) : Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - at);
      chunk.copy(frame, at, 0, part);
      at += part;
      this.consume(part);
    }
    return frame;
  }
}
