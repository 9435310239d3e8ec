/**
 * Reader: a cursor over one Buffer that decodes Kafka's wire primitives (big-endian integers,
 * classic and compact strings/bytes/arrays, unsigned and zig-zag varints, UUIDs).
 *
 * Invariants: every read checks the bytes at hand first and throws ProtocolError, never a
 * RangeError; no read allocates more than the bytes that remain (a length prefix is checked
 * against `remaining` before anything is sized by it); `bytes` and `records` come back as views
 * (`subarray`) of the input, never copies.
 *
 * int64 values are JS numbers: exact up to 2^53, which every offset, timestamp and producer id
 * Kafka hands out stays far below. Larger values decode to the nearest double.
 */
import { ProtocolError, truncated } from './protocol-error.js';
import { uuidFromBytes } from './uuid.js';

const TWO_POW_32 = 4294967296;

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (!(offset >= 0 && offset <= end && end <= buf.length)) {
      throw new ProtocolError(`reader range [${offset}, ${end}) is outside a buffer of ${buf.length} bytes`);
    }
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.end - this.pos < n) throw truncated(n, this.end - this.pos);
  }

  skip(n: number): void {
    // A negative count would move the cursor back and let a wire-supplied length loop a decoder.
    if (!(n >= 0)) throw new ProtocolError(`cannot skip ${n} bytes`);
    this.need(n);
    this.pos += n;
  }

  readInt8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  readBool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }

  readInt16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readUInt16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readInt32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readUInt32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readInt64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_POW_32 + lo;
  }

  readFloat64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  readUuid(): string {
    this.need(16);
    const v = uuidFromBytes(this.buf, this.pos);
    this.pos += 16;
    return v;
  }

  /** Unsigned LEB128 of at most 5 bytes (a 32-bit value), as Kafka's ByteUtils.readUnsignedVarint. */
  readUnsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw truncated(1, 0);
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new ProtocolError('unsigned varint exceeds 32 bits');
        return value;
      }
    }
    throw new ProtocolError('unsigned varint is longer than 5 bytes');
  }

  /** Zig-zag signed varint (32-bit), used inside records. */
  readVarint(): number {
    const u = this.readUnsignedVarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zig-zag signed varlong (64-bit) of at most 10 bytes; exact while |value| < 2^53. */
  readVarlong(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw truncated(1, 0);
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        // zig-zag decode without 32-bit bitwise operators
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
    }
    throw new ProtocolError('varlong is longer than 10 bytes');
  }

  private readUtf8(length: number): string {
    this.need(length);
    const v = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return v;
  }

  private view(length: number): Buffer {
    this.need(length);
    const v = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return v;
  }

  readString(): string {
    const length = this.readInt16();
    if (length < 0) throw new ProtocolError(`non-nullable string has length ${length}`);
    return this.readUtf8(length);
  }

  readNullableString(): string | null {
    const length = this.readInt16();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolError(`string has invalid length ${length}`);
    return this.readUtf8(length);
  }

  readCompactString(): string {
    const length = this.readUnsignedVarint() - 1;
    if (length < 0) throw new ProtocolError('non-nullable compact string is null');
    if (length > 0x7fff) throw new ProtocolError(`compact string length ${length} exceeds 32767`);
    return this.readUtf8(length);
  }

  readCompactNullableString(): string | null {
    const length = this.readUnsignedVarint() - 1;
    if (length < 0) return null;
    if (length > 0x7fff) throw new ProtocolError(`compact string length ${length} exceeds 32767`);
    return this.readUtf8(length);
  }

  readBytes(): Buffer {
    const length = this.readInt32();
    if (length < 0) throw new ProtocolError(`non-nullable bytes have length ${length}`);
    return this.view(length);
  }

  readNullableBytes(): Buffer | null {
    const length = this.readInt32();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolError(`bytes have invalid length ${length}`);
    return this.view(length);
  }

  readCompactBytes(): Buffer {
    const length = this.readUnsignedVarint() - 1;
    if (length < 0) throw new ProtocolError('non-nullable compact bytes are null');
    return this.view(length);
  }

  readCompactNullableBytes(): Buffer | null {
    const length = this.readUnsignedVarint() - 1;
    if (length < 0) return null;
    return this.view(length);
  }

  /**
   * Array element count (int32; -1 is null). Every element takes at least one byte, so a count
   * above the bytes that remain is malformed: rejecting it here keeps a forged count from sizing
   * an allocation or a loop.
   */
  readArrayLength(): number {
    const length = this.readInt32();
    if (length < -1) throw new ProtocolError(`array has invalid length ${length}`);
    if (length > this.end - this.pos) throw new ProtocolError(`array length ${length} exceeds the ${this.end - this.pos} bytes remaining`);
    return length;
  }

  readCompactArrayLength(): number {
    const length = this.readUnsignedVarint() - 1;
    if (length > this.end - this.pos) throw new ProtocolError(`array length ${length} exceeds the ${this.end - this.pos} bytes remaining`);
    return length;
  }

  /** Skips a tagged-field section (the caller knows none of its tags). */
  skipTaggedFields(): void {
    const count = this.readUnsignedVarint();
    for (let i = 0; i < count; i++) {
      this.readUnsignedVarint();
      this.skip(this.readUnsignedVarint());
    }
  }
}
