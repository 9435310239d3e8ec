/**
 * One record inside a magic v2 batch: its types and its varint encoding. Only clients,
 * compaction and tests decode records; the broker's produce and fetch paths never do.
 *
 * Record layout (varint = zig-zag varint, varlong = zig-zag varlong):
 *   length varint (bytes that follow) · attributes int8 (unused, 0) · timestampDelta varlong
 *   · offsetDelta varint · keyLength varint (-1 = null) · key · valueLength varint (-1 = null)
 *   · value · headerCount varint · { headerKeyLength varint · key (UTF-8)
 *   · headerValueLength varint (-1 = null) · value }*
 *
 * Decoded keys and values are views of the buffer they came from (the decompressed records when
 * the batch was compressed), never copies.
 */
import { ProtocolError, Reader, Writer } from '../primitives/index.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A decoded record: its wire fields plus the absolute offset and timestamp they imply. */
export interface KafkaRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** baseOffset + offsetDelta. */
  offset: number;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Where a record's offset and timestamp come from: its batch's header. */
export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  /** The batch's maxTimestamp when it uses LogAppendTime, else null. */
  logAppendTime: number | null;
}

/** The fields encodeRecord writes, deltas already computed. */
export interface RecordFields {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

export function encodeRecord(writer: Writer, record: RecordFields): void {
  checkInt32('offsetDelta', record.offsetDelta);
  if (!Number.isSafeInteger(record.timestampDelta)) throw new ProtocolError(`record timestampDelta ${record.timestampDelta} is not a safe integer`);
  const headerKeys: Buffer[] = [];
  let bodySize = 1 + varlongSize(record.timestampDelta) + varintSize(record.offsetDelta);
  bodySize += nullableBytesSize(record.key) + nullableBytesSize(record.value) + varintSize(record.headers.length);
  for (const header of record.headers) {
    const key = Buffer.from(header.key, 'utf8');
    headerKeys.push(key);
    bodySize += varintSize(key.length) + key.length + nullableBytesSize(header.value);
  }
  writer.writeVarint(bodySize);
  writer.writeInt8(record.attributes);
  writer.writeVarlong(record.timestampDelta);
  writer.writeVarint(record.offsetDelta);
  writeNullableBytes(writer, record.key);
  writeNullableBytes(writer, record.value);
  writer.writeVarint(record.headers.length);
  for (let i = 0; i < headerKeys.length; i++) {
    const key = headerKeys[i]!;
    writer.writeVarint(key.length);
    writer.writeRaw(key);
    writeNullableBytes(writer, record.headers[i]!.value);
  }
}

export function decodeRecord(reader: Reader, context: RecordContext): KafkaRecord {
  const length = reader.readVarint();
  if (length < 0) throw new ProtocolError(`record at byte ${reader.pos} has negative length ${length}`);
  const start = reader.pos;
  const attributes = reader.readInt8();
  const timestampDelta = reader.readVarlong();
  const offsetDelta = reader.readVarint();
  const key = readNullableBytes(reader, 'key');
  const value = readNullableBytes(reader, 'value');
  const headerCount = reader.readVarint();
  if (headerCount < 0) throw new ProtocolError(`record has invalid header count ${headerCount}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) headers.push(readHeader(reader));
  if (reader.pos - start !== length) {
    throw new ProtocolError(`record at byte ${start} declares ${length} bytes but its fields take ${reader.pos - start}`);
  }
  return {
    attributes,
    timestampDelta,
    offsetDelta,
    offset: context.baseOffset + offsetDelta,
    timestamp: context.logAppendTime ?? context.baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

function readHeader(reader: Reader): RecordHeader {
  const keyLength = reader.readVarint();
  if (keyLength < 0) throw new ProtocolError(`record header has invalid key length ${keyLength}`);
  const keyStart = reader.pos;
  reader.skip(keyLength);
  const key = reader.buf.toString('utf8', keyStart, keyStart + keyLength);
  return { key, value: readNullableBytes(reader, 'header value') };
}

function readNullableBytes(reader: Reader, what: string): Buffer | null {
  const length = reader.readVarint();
  if (length === -1) return null;
  if (length < 0) throw new ProtocolError(`record ${what} has invalid length ${length}`);
  const start = reader.pos;
  reader.skip(length);
  return reader.buf.subarray(start, start + length);
}

function writeNullableBytes(writer: Writer, bytes: Buffer | null): void {
  if (bytes === null) {
    writer.writeVarint(-1);
    return;
  }
  writer.writeVarint(bytes.length);
  writer.writeRaw(bytes);
}

function nullableBytesSize(bytes: Buffer | null): number {
  return bytes === null ? 1 : varintSize(bytes.length) + bytes.length;
}

/** Bytes of a zig-zag varint (32-bit). */
export function varintSize(value: number): number {
  let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (unsigned >= 0x80) {
    unsigned >>>= 7;
    size++;
  }
  return size;
}

/** Bytes of a zig-zag varlong; exact for safe integers. */
export function varlongSize(value: number): number {
  let unsigned = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (unsigned >= 0x80) {
    unsigned = Math.floor(unsigned / 0x80);
    size++;
  }
  return size;
}

function checkInt32(field: string, value: number): void {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw new ProtocolError(`record ${field} ${value} is not a 32-bit integer`);
  }
}
