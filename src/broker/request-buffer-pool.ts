/**
 * RequestBufferPool: buffers for assembling Produce requests that arrive over several socket
 * reads (a 1 MiB request comes in ~16 reads). Without it every such request is a fresh 1 MiB
 * ArrayBuffer, and under load that external memory drives most of the broker's full garbage
 * collections and their pauses.
 *
 * Shared by all connections and bounded: at most `maxBuffers` free buffers of at most
 * `maxBufferBytes` each; larger requests get a fresh buffer. Only Produce requests are pooled,
 * because only for them is it certain that nothing keeps a view of the request once it is handled:
 * the records are written to the log synchronously during the handler, and the response holds no
 * request bytes. A handler that keeps `bytes` from a request (group metadata, say) copies them.
 */
const MIN_BUFFER_BYTES = 64 * 1024;

export class RequestBufferPool {
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
