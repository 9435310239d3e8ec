/**
 * BufferPool: reusable buffers for the broker's hot paths, so that large short-lived buffers are
 * not a fresh ArrayBuffer each. Under load that external memory is what starts most of V8's full
 * garbage collections, and their pauses are the broker's latency tail. Two pools use it: Produce
 * requests (FrameMemory) and the log reads a Fetch response is built from (ResponseBuffers).
 *
 * Bounded: at most `maxBuffers` free buffers of at most `maxBufferBytes` each; larger sizes get
 * null and the caller allocates. A buffer goes back with `release` once nothing holds a view of
 * it, which is the borrower's contract.
 */
const MIN_BUFFER_BYTES = 64 * 1024;

export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly maxBuffers = 16, private readonly maxBufferBytes = 4 * 1024 * 1024) {}

  /** A buffer of at least `size` bytes, or null when `size` is too large to pool. */
  acquire(size: number): Buffer | null {
    if (size > this.maxBufferBytes) return null;
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buf = this.free[i]!;
      if (buf.length >= size) {
        this.free.splice(i, 1);
        return buf;
      }
    }
    let capacity = MIN_BUFFER_BYTES;
    while (capacity < size) capacity *= 2;
    return Buffer.allocUnsafeSlow(Math.min(capacity, this.maxBufferBytes));
  }

  release(buf: Buffer): void {
    if (this.free.length < this.maxBuffers) this.free.push(buf);
  }

  get freeCount(): number {
    return this.free.length;
  }
}
