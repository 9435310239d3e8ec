/**
 * FrameReader: splits one connection's byte stream into Kafka request frames (a 4-byte big-endian
 * size, then that many bytes), in memory it chooses rather than a fresh buffer per socket read.
 *
 * Why: under produce load a fresh ArrayBuffer for every 64 KiB socket read, and another for every
 * request spanning reads, drove most of the broker's full garbage collections (they are started by
 * external-memory growth) and took a quarter of its CPU.
 *
 * Bytes come in one of two ways:
 * - the socket reads where `readTarget()` says: straight into the rest of a large frame being
 *   assembled, or else into the server's shared scratch buffer; then `onRead` is told how much;
 * - `push(bytes)`, from a socket that allocates its own buffers.
 * Either way the bytes may be overwritten once the call returns, so everything kept is copied:
 * each frame ends up in a buffer of its own, which a handler may keep, except Produce frames over
 * 4 KiB. Those live in pooled buffers that are reused once `release` gives them back, which the
 * connection does after the request is answered: the produce path keeps no view of its request.
 *
 * A size prefix above `maxFrameBytes` (socket.request.max.bytes) or below zero is refused before
 * anything is allocated for it: `next()` throws FrameSizeError once the frames before it are
 * taken, and the caller closes the connection with the reason.
 */
import { FrameSizeError } from '../protocol/frame-decoder.js';
import type { FrameMemory } from './frame-memory.js';

const SIZE_BYTES = 4;
const API_KEY_BYTES = 2;
const PRODUCE_KEY = 0;
/** Frames up to this size are copied into Node's shared pool for small buffers (Buffer.allocUnsafe). */
const SMALL_FRAME_BYTES = 4096;
/** With less than this left of a frame, its rest is read through the scratch buffer together with whatever follows it. */
const MIN_IN_PLACE_READ_BYTES = 16 * 1024;

export interface Frame {
  /** The request, without its size prefix. */
  readonly bytes: Buffer;
  /** The pooled buffer `bytes` lives in, or null when the frame owns its memory. */
  readonly pooled: Buffer | null;
  /** Bytes of the FrameMemory budget the frame holds until released. */
  readonly reserved: number;
}

export class FrameReader {
  /** A size prefix and API key that arrived split across reads. */
  private readonly head = Buffer.alloc(SIZE_BYTES + API_KEY_BYTES);
  private headLength = 0;
  /** Size of the frame being assembled, or -1 while its prefix is incomplete. */
  private frameSize = -1;
  /** Bytes of the frame so far. */
  private filled = 0;
  /** The frame's memory, sized to it; null when over budget, and then `pieces` collect it. */
  private body: Buffer | null = null;
  private bodyPooled: Buffer | null = null;
  private bodyReserved = 0;
  private pieces: Buffer[] = [];
  private readonly ready: Frame[] = [];
  private failure: FrameSizeError | null = null;

  constructor(private readonly maxFrameBytes: number, private readonly memory: FrameMemory) {}

  /** Where the next socket read should land. */
  readTarget(): Buffer {
    const body = this.body;
    if (body !== null && body.length - this.filled >= MIN_IN_PLACE_READ_BYTES) return body.subarray(this.filled);
    return this.memory.scratch;
  }

  /** `count` bytes were read into `target`, a buffer `readTarget()` returned. */
  onRead(target: Buffer, count: number): void {
    if (target === this.memory.scratch) {
      this.push(target, 0, count);
      return;
    }
    this.filled += count;
    if (this.filled === this.frameSize) this.finishFrame();
  }

  /** Takes `bytes[start, end)`, copying what it keeps. */
  push(bytes: Buffer, start = 0, end = bytes.length): void {
    if (this.failure !== null) return;
    try {
      this.consume(bytes, start, end);
    } catch (err) {
      if (!(err instanceof FrameSizeError)) throw err;
      this.failure = err;
    }
  }

  /** The next complete frame, or null until more bytes arrive. */
  next(): Frame | null {
    const frame = this.ready.shift();
    if (frame !== undefined) return frame;
    if (this.failure !== null) throw this.failure;
    return null;
  }

  /** Gives a frame's memory back; the caller holds no view of its bytes any more. */
  release(frame: Frame): void {
    if (frame.pooled !== null) this.memory.pool.release(frame.pooled);
    if (frame.reserved > 0) this.memory.unreserve(frame.reserved);
  }

  /** Gives back everything held: the connection is closed and reads no more. */
  dispose(): void {
    for (const frame of this.ready.splice(0)) this.release(frame);
    if (this.bodyPooled !== null) this.memory.pool.release(this.bodyPooled);
    if (this.bodyReserved > 0) this.memory.unreserve(this.bodyReserved);
    this.resetFrame();
    this.failure = null;
  }

  private consume(bytes: Buffer, start: number, end: number): void {
    let at = start;
    while (at < end) {
      if (this.frameSize < 0) {
        at = this.readHead(bytes, at, end);
        if (this.frameSize < 0) return;
      }
      const take = Math.min(this.frameSize - this.filled, end - at);
      if (take > 0) {
        if (this.body !== null) bytes.copy(this.body, this.filled, at, at + take);
        else this.pieces.push(Buffer.from(bytes.subarray(at, at + take)));
        this.filled += take;
        at += take;
      }
      if (this.filled === this.frameSize) this.finishFrame();
    }
  }

  /** Reads the size prefix (and API key) from `bytes` from `at`; returns where the frame's body starts. */
  private readHead(bytes: Buffer, at: number, end: number): number {
    if (this.headLength === 0 && end - at >= SIZE_BYTES + API_KEY_BYTES) {
      const size = this.checkedSize(bytes.readInt32BE(at));
      this.startFrame(size, size >= API_KEY_BYTES ? bytes.readInt16BE(at + SIZE_BYTES) : -1);
      return at + SIZE_BYTES;
    }
    const wanted = this.headLength < SIZE_BYTES ? SIZE_BYTES : SIZE_BYTES + Math.min(API_KEY_BYTES, this.head.readInt32BE(0));
    const take = Math.min(wanted - this.headLength, end - at);
    bytes.copy(this.head, this.headLength, at, at + take);
    this.headLength += take;
    at += take;
    if (this.headLength < SIZE_BYTES) return at;
    const size = this.checkedSize(this.head.readInt32BE(0));
    const keyBytes = Math.min(API_KEY_BYTES, size);
    if (this.headLength < SIZE_BYTES + keyBytes) return at < end ? this.readHead(bytes, at, end) : at;
    this.startFrame(size, keyBytes === API_KEY_BYTES ? this.head.readInt16BE(SIZE_BYTES) : -1);
    // The API key bytes are the body's first bytes.
    this.head.copy(this.body ?? this.pieceFor(keyBytes), 0, SIZE_BYTES, SIZE_BYTES + keyBytes);
    this.filled = keyBytes;
    this.headLength = 0;
    return at;
  }

  private pieceFor(length: number): Buffer {
    const piece = Buffer.allocUnsafe(length);
    this.pieces.push(piece);
    return piece;
  }

  private checkedSize(size: number): number {
    if (size < 0 || size > this.maxFrameBytes) {
      throw new FrameSizeError(`request size ${size} is outside [0, ${this.maxFrameBytes}] (socket.request.max.bytes)`);
    }
    return size;
  }

  private startFrame(size: number, apiKey: number): void {
    this.frameSize = size;
    this.filled = 0;
    if (size <= SMALL_FRAME_BYTES) {
      this.body = Buffer.allocUnsafe(size);
      return;
    }
    if (!this.memory.tryReserve(size)) return;
    this.bodyReserved = size;
    const pooled = apiKey === PRODUCE_KEY ? this.memory.pool.acquire(size) : null;
    this.bodyPooled = pooled;
    this.body = pooled !== null ? pooled.subarray(0, size) : Buffer.allocUnsafe(size);
  }

  private finishFrame(): void {
    const bytes = this.body ?? (this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.frameSize));
    this.ready.push({ bytes, pooled: this.bodyPooled, reserved: this.bodyReserved });
    this.resetFrame();
  }

  private resetFrame(): void {
    this.frameSize = -1;
    this.filled = 0;
    this.headLength = 0;
    this.body = null;
    this.bodyPooled = null;
    this.bodyReserved = 0;
    this.pieces = [];
  }
}
