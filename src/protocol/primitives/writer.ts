/**
 * Writer: encodes Kafka's wire primitives into a list of buffer chunks.
 *
 * Small values go into a scratch buffer; a large `bytes`/`records` payload (a record batch) is
 * appended as the caller's own Buffer, not copied, so a Fetch response that carries stored batches
 * becomes [header bytes, batch view, more header bytes, ...] for one corked socket write.
 * `toBuffer()` concatenates only when a single contiguous buffer is really needed.
 */
import { ProtocolError } from './protocol-error.js';
import { uuidToBytes } from './uuid.js';

const TWO_POW_32 = 4294967296;
/** Payloads at least this large are referenced rather than copied into the scratch buffer. */
const ZERO_COPY_THRESHOLD = 1024;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class Writer {
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;
  private buf: Buffer;
  /** Start of the bytes in `buf` not yet moved to `chunks`. */
  private start = 0;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.chunkBytes + this.pos - this.start;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushPending();
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.start = 0;
    this.pos = 0;
  }

  private flushPending(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.chunkBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** The encoded bytes as chunks, in order; valid until the Writer is written to again. */
  toChunks(): Buffer[] {
    this.flushPending();
    return this.chunks;
  }

  toBuffer(): Buffer {
    this.flushPending();
    if (this.chunks.length === 1) return this.chunks[0]!;
    return Buffer.concat(this.chunks, this.chunkBytes);
  }

  writeInt8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  writeBool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  writeInt16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  writeUInt16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  writeInt32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  writeUInt32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  writeInt64(v: number): void {
    this.ensure(8);
    if (Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_POW_32);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(v - hi * TWO_POW_32, this.pos + 4);
    } else {
      if (!Number.isFinite(v)) throw new ProtocolError(`int64 value ${v} is not a finite number`);
      let big = BigInt(Math.trunc(v));
      if (big > INT64_MAX) big = INT64_MAX;
      if (big < INT64_MIN) big = INT64_MIN;
      this.buf.writeBigInt64BE(big, this.pos);
    }
    this.pos += 8;
  }

  writeFloat64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  writeUuid(v: string): void {
    this.ensure(16);
    uuidToBytes(v, this.buf, this.pos);
    this.pos += 16;
  }

  writeUnsignedVarint(v: number): void {
    this.ensure(5);
    let value = v >>> 0;
    while (value >= 0x80) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  /** Zig-zag signed varint (32-bit), used inside records. */
  writeVarint(v: number): void {
    this.writeUnsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zig-zag signed varlong (64-bit); exact while |value| < 2^52. */
  writeVarlong(v: number): void {
    this.ensure(10);
    let value = v >= 0 ? v * 2 : -v * 2 - 1;
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buf[this.pos++] = value;
  }

  private writeUtf8(v: string, byteLength: number): void {
    this.ensure(byteLength);
    this.buf.write(v, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
  }

  writeString(v: string): void {
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new ProtocolError(`string of ${n} bytes is longer than the 32767 a string can hold`);
    this.writeInt16(n);
    this.writeUtf8(v, n);
  }

  writeNullableString(v: string | null): void {
    if (v === null) this.writeInt16(-1);
    else this.writeString(v);
  }

  writeCompactString(v: string): void {
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new ProtocolError(`string of ${n} bytes is longer than the 32767 a string can hold`);
    this.writeUnsignedVarint(n + 1);
    this.writeUtf8(v, n);
  }

  writeCompactNullableString(v: string | null): void {
    if (v === null) this.writeUnsignedVarint(0);
    else this.writeCompactString(v);
  }

  /** Raw bytes with no length prefix; large payloads are referenced, not copied. */
  writeRaw(v: Buffer): void {
    if (v.length >= ZERO_COPY_THRESHOLD) {
      this.flushPending();
      this.chunks.push(v);
      this.chunkBytes += v.length;
      return;
    }
    this.ensure(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
  }

  writeBytes(v: Buffer): void {
    this.writeInt32(v.length);
    this.writeRaw(v);
  }

  writeNullableBytes(v: Buffer | null): void {
    if (v === null) this.writeInt32(-1);
    else this.writeBytes(v);
  }

  writeCompactBytes(v: Buffer): void {
    this.writeUnsignedVarint(v.length + 1);
    this.writeRaw(v);
  }

  writeCompactNullableBytes(v: Buffer | null): void {
    if (v === null) this.writeUnsignedVarint(0);
    else this.writeCompactBytes(v);
  }

  writeArrayLength(n: number): void {
    this.writeInt32(n);
  }

  writeCompactArrayLength(n: number): void {
    this.writeUnsignedVarint(n + 1);
  }

  /** A tagged field: its tag, the size of what `inner` holds, then those bytes. */
  writeTaggedField(tag: number, inner: Writer): void {
    this.writeUnsignedVarint(tag);
    this.writeUnsignedVarint(inner.length);
    for (const chunk of inner.toChunks()) this.writeRaw(chunk);
  }
}
