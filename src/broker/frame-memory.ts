/**
 * FrameMemory: the memory a socket server's connections read request frames into, shared by all
 * of them.
 *
 * - `scratch`: where a socket read lands when no large frame is being assembled. It is reused by
 *   the next read of any connection, so whatever a read brings is copied out before its callback
 *   returns (see FrameReader).
 * - `pool`: reusable buffers for Produce frames (see BufferPool).
 * - a budget for frames held whole before they are complete: a frame is given its full size as
 *   soon as its size prefix is read, so that the rest of it can be read straight into place. Kafka
 *   allocates the same way, but one 6-byte prefix then claims up to socket.request.max.bytes; past
 *   the budget, frames are collected piece by piece as their bytes arrive, so memory follows what
 *   clients actually sent.
 */
import { BufferPool } from './buffer-pool.js';

/** As large as libuv's own read buffers. */
const DEFAULT_SCRATCH_BYTES = 64 * 1024;
/** Room for 64 Produce requests of the Java client's default max.request.size in flight. */
const DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024;

export interface FrameMemoryOptions {
  readonly scratchBytes?: number;
  readonly budgetBytes?: number;
  readonly pool?: BufferPool;
}

export class FrameMemory {
  readonly scratch: Buffer;
  readonly pool: BufferPool;
  readonly budgetBytes: number;
  private reservedBytes = 0;

  constructor(options: FrameMemoryOptions = {}) {
    this.scratch = Buffer.allocUnsafeSlow(options.scratchBytes ?? DEFAULT_SCRATCH_BYTES);
    this.pool = options.pool ?? new BufferPool();
    this.budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  }

  /** Bytes of the budget held now. */
  get reserved(): number {
    return this.reservedBytes;
  }

  /** Takes `bytes` of the budget; false (taking nothing) when that would exceed it. */
  tryReserve(bytes: number): boolean {
    if (this.reservedBytes + bytes > this.budgetBytes) return false;
    this.reservedBytes += bytes;
    return true;
  }

  unreserve(bytes: number): void {
    this.reservedBytes -= bytes;
  }
}
