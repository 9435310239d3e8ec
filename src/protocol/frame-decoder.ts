/**
 * FrameDecoder: splits a byte stream into Kafka frames (a 4-byte big-endian size, then that many
 * bytes), for readers that get a fresh buffer per socket read and may keep views of it: the
 * client's connections and the tests' raw sockets. (The broker reads into memory it chooses:
 * broker/frame-reader.ts.)
 *
 * Chunks are kept as a list and concatenated only when a frame straddles them, so a frame that
 * arrives within one read is handed on as a view of that read. A size prefix outside
 * [minFrameBytes, maxFrameBytes] is refused before anything is allocated for it: `next()` throws
 * FrameSizeError, and the caller closes the connection with the reason.
 */

export class FrameSizeError extends Error {
  override readonly name = 'FrameSizeError';
}

const SIZE_BYTES = 4;

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 while its prefix is incomplete. */
  private frameSize = -1;

  constructor(private readonly maxFrameBytes: number, private readonly minFrameBytes = 0) {}

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
      if (size < this.minFrameBytes || size > this.maxFrameBytes) {
        throw new FrameSizeError(`frame size ${size} is outside [${this.minFrameBytes}, ${this.maxFrameBytes}]`);
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
    return Buffer.concat(this.chunks, SIZE_BYTES).readInt32BE(0);
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

  /** `n` bytes as one buffer: a view when they lie in one chunk, a copy only when they straddle chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first && first.length >= n) {
      const frame = first.subarray(0, n);
      this.consume(n);
      return frame;
    }
    const frame = Buffer.allocUnsafe(n);
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
