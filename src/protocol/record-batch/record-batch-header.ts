/**
 * RecordBatchHeader: a reusable, allocation-free view of the 61-byte header of one magic v2 record
 * batch inside a larger Buffer (a produce request's records, a log segment read). This is what the
 * broker's hot path uses: it checks framing and the CRC and reads or rewrites header fields
 * without decompressing or decoding a single record.
 *
 * Layout (big-endian; positions relative to the batch start):
 *    0 baseOffset int64          12 partitionLeaderEpoch int32   17 crc uint32
 *    8 batchLength int32         16 magic int8                   21 attributes int16
 *   23 lastOffsetDelta int32     27 baseTimestamp int64          35 maxTimestamp int64
 *   43 producerId int64          51 producerEpoch int16          53 baseSequence int32
 *   57 recordCount int32         61 records (compressed as a whole per attributes bits 0-2)
 *
 * Invariants: batchLength counts the bytes after itself, so a batch takes batchLength + 12 bytes
 * and batchLength >= 49. The CRC32C covers attributes through the end of the batch, so baseOffset
 * and partitionLeaderEpoch can be assigned in place by the leader without touching it; changing
 * the timestamp type or maxTimestamp (LogAppendTime) requires recomputing it.
 *
 * Getters assume `reset` accepted the view (at least a full header is in the buffer); methods that
 * touch the records (the CRC) check the whole batch is present first.
 */
import { ProtocolError } from '../primitives/index.js';
import { crc32c } from './crc32c.js';

export const RECORD_BATCH_MAGIC = 2;
/** baseOffset and batchLength: the bytes of a batch that batchLength does not count. */
export const LOG_OVERHEAD = 12;
/** Size of the header up to and including recordCount; records follow. */
export const RECORD_BATCH_OVERHEAD = 61;
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

export const BASE_OFFSET_POSITION = 0;
export const BATCH_LENGTH_POSITION = 8;
export const PARTITION_LEADER_EPOCH_POSITION = 12;
export const MAGIC_POSITION = 16;
export const CRC_POSITION = 17;
export const ATTRIBUTES_POSITION = 21;
export const LAST_OFFSET_DELTA_POSITION = 23;
export const BASE_TIMESTAMP_POSITION = 27;
export const MAX_TIMESTAMP_POSITION = 35;
export const PRODUCER_ID_POSITION = 43;
export const PRODUCER_EPOCH_POSITION = 51;
export const BASE_SEQUENCE_POSITION = 53;
export const RECORD_COUNT_POSITION = 57;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_FLAG = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
/** KIP-534: baseTimestamp holds the delete horizon set by compaction. */
export const DELETE_HORIZON_FLAG = 0x40;

export const TIMESTAMP_TYPE_CREATE_TIME = 0;
export const TIMESTAMP_TYPE_LOG_APPEND_TIME = 1;
export type TimestampType = 0 | 1;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

const TWO_POW_32 = 4294967296;
const INT32_MAX = 0x7fffffff;
const EMPTY = Buffer.alloc(0);

export class RecordBatchHeader {
  buf: Buffer;
  /** Position of the batch's first byte (its baseOffset) in `buf`. */
  offset: number;

  constructor(buf: Buffer = EMPTY, offset = 0) {
    this.buf = EMPTY;
    this.offset = 0;
    if (buf.length > 0) this.reset(buf, offset);
  }

  /** Points the view at the batch starting at `offset`; throws unless a whole header is there. */
  reset(buf: Buffer, offset: number): this {
    if (offset < 0 || buf.length - offset < RECORD_BATCH_OVERHEAD) {
      throw new ProtocolError(`record batch header at byte ${offset} is truncated: ${Math.max(0, buf.length - offset)} of ${RECORD_BATCH_OVERHEAD} bytes present`);
    }
    this.buf = buf;
    this.offset = offset;
    return this;
  }

  get baseOffset(): number {
    return readInt64(this.buf, this.offset + BASE_OFFSET_POSITION);
  }

  get batchLength(): number {
    return this.buf.readInt32BE(this.offset + BATCH_LENGTH_POSITION);
  }

  /** Bytes the whole batch takes, header included. */
  get sizeInBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }

  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.offset + PARTITION_LEADER_EPOCH_POSITION);
  }

  get magic(): number {
    return this.buf.readInt8(this.offset + MAGIC_POSITION);
  }

  get crc(): number {
    return this.buf.readUInt32BE(this.offset + CRC_POSITION);
  }

  get attributes(): number {
    return this.buf.readInt16BE(this.offset + ATTRIBUTES_POSITION);
  }

  get compression(): number {
    return this.attributes & COMPRESSION_CODEC_MASK;
  }

  get timestampType(): TimestampType {
    return (this.attributes & TIMESTAMP_TYPE_FLAG) === 0 ? TIMESTAMP_TYPE_CREATE_TIME : TIMESTAMP_TYPE_LOG_APPEND_TIME;
  }

  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_FLAG) !== 0;
  }

  get isControl(): boolean {
    return (this.attributes & CONTROL_FLAG) !== 0;
  }

  get hasDeleteHorizonMs(): boolean {
    return (this.attributes & DELETE_HORIZON_FLAG) !== 0;
  }

  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.offset + LAST_OFFSET_DELTA_POSITION);
  }

  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }

  get baseTimestamp(): number {
    return readInt64(this.buf, this.offset + BASE_TIMESTAMP_POSITION);
  }

  get maxTimestamp(): number {
    return readInt64(this.buf, this.offset + MAX_TIMESTAMP_POSITION);
  }

  get producerId(): number {
    return readInt64(this.buf, this.offset + PRODUCER_ID_POSITION);
  }

  get producerEpoch(): number {
    return this.buf.readInt16BE(this.offset + PRODUCER_EPOCH_POSITION);
  }

  get baseSequence(): number {
    return this.buf.readInt32BE(this.offset + BASE_SEQUENCE_POSITION);
  }

  /** Sequence of the batch's last record; sequences wrap from 2^31-1 to 0, as Kafka's do. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    const delta = this.lastOffsetDelta;
    return base > INT32_MAX - delta ? delta - (INT32_MAX - base) - 1 : base + delta;
  }

  get recordCount(): number {
    return this.buf.readInt32BE(this.offset + RECORD_COUNT_POSITION);
  }

  /**
   * Throws ProtocolError unless the batch is well framed: batchLength at least the header's, the
   * whole batch inside `buf`, magic 2 and a non-negative record count. Reads no record bytes.
   */
  validateFraming(): void {
    const batchLength = this.batchLength;
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new ProtocolError(`record batch at byte ${this.offset} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`);
    }
    const available = this.buf.length - this.offset;
    if (batchLength + LOG_OVERHEAD > available) {
      throw new ProtocolError(`record batch at byte ${this.offset} needs ${batchLength + LOG_OVERHEAD} bytes but ${available} remain`);
    }
    const magic = this.magic;
    if (magic !== RECORD_BATCH_MAGIC) {
      throw new ProtocolError(`record batch at byte ${this.offset} has magic ${magic}; only magic ${RECORD_BATCH_MAGIC} is supported`);
    }
    const recordCount = this.recordCount;
    if (recordCount < 0) throw new ProtocolError(`record batch at byte ${this.offset} has negative record count ${recordCount}`);
  }

  /** CRC32C of attributes through the end of the batch; call after validateFraming. */
  computeCrc(): number {
    const start = this.offset + ATTRIBUTES_POSITION;
    return crc32c(this.buf.subarray(start, this.offset + LOG_OVERHEAD + this.batchLength));
  }

  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  /** validateFraming, then the CRC: everything the broker checks before appending a batch. */
  validate(): void {
    this.validateFraming();
    const computed = this.computeCrc();
    const stored = this.crc;
    if (computed !== stored) {
      throw new ProtocolError(`record batch at byte ${this.offset} is corrupt: stored CRC ${stored} but computed ${computed}`);
    }
  }

  /** Outside the CRC's span: the CRC stays valid. */
  setBaseOffset(baseOffset: number): void {
    writeInt64(this.buf, this.offset + BASE_OFFSET_POSITION, baseOffset);
  }

  /** Outside the CRC's span: the CRC stays valid. */
  setPartitionLeaderEpoch(partitionLeaderEpoch: number): void {
    this.buf.writeInt32BE(partitionLeaderEpoch, this.offset + PARTITION_LEADER_EPOCH_POSITION);
  }

  /**
   * Sets the timestamp type and maxTimestamp, then recomputes the CRC, which covers both. With
   * LogAppendTime this is the broker's stamping of `message.timestamp.type=LogAppendTime`: readers
   * then take every record's timestamp from maxTimestamp. Throws if the batch is badly framed.
   */
  setMaxTimestamp(timestampType: TimestampType, maxTimestamp: number): void {
    this.validateFraming();
    const attributesPosition = this.offset + ATTRIBUTES_POSITION;
    const attributes = this.buf.readInt16BE(attributesPosition);
    const typeFlag = timestampType === TIMESTAMP_TYPE_LOG_APPEND_TIME ? TIMESTAMP_TYPE_FLAG : 0;
    this.buf.writeInt16BE((attributes & ~TIMESTAMP_TYPE_FLAG) | typeFlag, attributesPosition);
    writeInt64(this.buf, this.offset + MAX_TIMESTAMP_POSITION, maxTimestamp);
    this.buf.writeUInt32BE(this.computeCrc(), this.offset + CRC_POSITION);
  }
}

/** int64 as a JS number, like Reader.readInt64: exact below 2^53. */
export function readInt64(buf: Buffer, position: number): number {
  return buf.readInt32BE(position) * TWO_POW_32 + buf.readUInt32BE(position + 4);
}

/** Writes a safe integer as int64 big-endian. */
export function writeInt64(buf: Buffer, position: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new ProtocolError(`int64 field value ${value} is not a safe integer`);
  const high = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(high, position);
  buf.writeUInt32BE(value - high * TWO_POW_32, position + 4);
}
