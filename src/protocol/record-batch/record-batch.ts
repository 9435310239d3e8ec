/**
 * Full encode and decode of magic v2 record batches, records included: what clients, the log
 * cleaner and tests need. The broker's produce and fetch paths use RecordBatchHeader instead and
 * never come here.
 *
 * Encoding lays out the 61-byte header (see record-batch-header.ts), then the records, which are
 * compressed together when the codec is not none, and finally computes the CRC32C over
 * attributes..end. Decoding checks framing and (by default) the CRC before it decompresses, and
 * insists the records fill their bytes exactly, as Kafka's reader does.
 */
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES, isCompressionCodec } from '../compression/index.js';
import type { CompressionCodec } from '../compression/index.js';
import { ProtocolError, Reader, Writer } from '../primitives/index.js';
import { crc32c } from './crc32c.js';
import { RecordBatchCursor } from './record-batch-cursor.js';
import {
  ATTRIBUTES_POSITION,
  BASE_OFFSET_POSITION,
  BASE_SEQUENCE_POSITION,
  BASE_TIMESTAMP_POSITION,
  BATCH_LENGTH_POSITION,
  CONTROL_FLAG,
  CRC_POSITION,
  DELETE_HORIZON_FLAG,
  LAST_OFFSET_DELTA_POSITION,
  LOG_OVERHEAD,
  MAGIC_POSITION,
  MAX_TIMESTAMP_POSITION,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_POSITION,
  PRODUCER_EPOCH_POSITION,
  PRODUCER_ID_POSITION,
  RECORD_BATCH_MAGIC,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_POSITION,
  RecordBatchHeader,
  TIMESTAMP_TYPE_CREATE_TIME,
  TIMESTAMP_TYPE_FLAG,
  TIMESTAMP_TYPE_LOG_APPEND_TIME,
  TRANSACTIONAL_FLAG,
  writeInt64,
} from './record-batch-header.js';
import type { TimestampType } from './record-batch-header.js';
import { decodeRecord, encodeRecord } from './record.js';
import type { KafkaRecord, RecordContext, RecordHeader } from './record.js';

/** One record to encode. Offsets and timestamps are absolute; the encoder computes the deltas. */
export interface RecordSpec {
  key: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  /** Defaults to the batch's baseTimestamp. */
  timestamp?: number;
  /** Defaults to the record's index; compacted batches keep their original gaps. */
  offsetDelta?: number;
  /** Record attributes are unused by Kafka and default to 0. */
  attributes?: number;
}

/** A batch to encode. Every header field has Kafka's "absent" default. */
export interface RecordBatchSpec {
  records: readonly RecordSpec[];
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  compression?: CompressionCodec;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  /** KIP-534: when set, the batch carries this delete horizon in baseTimestamp. */
  deleteHorizonMs?: number;
  /** Defaults to the first record's timestamp (NO_TIMESTAMP for an empty batch). */
  baseTimestamp?: number;
  /** Defaults to the largest record timestamp; under LogAppendTime, pass the append time. */
  maxTimestamp?: number;
  /** Defaults to the largest offsetDelta (0 for an empty batch). */
  lastOffsetDelta?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

/** A decoded batch: its header fields, the attributes split out, and its records. */
export interface RecordBatch {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionCodec;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizonMs: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: KafkaRecord[];
}

export interface DecodeRecordBatchOptions {
  /** Check the CRC32C before decoding (default true), as consumers with check.crcs do. */
  verifyCrc?: boolean;
  /** Refuse records that decompress to more than this (default 256 MiB). */
  maxDecompressedBytes?: number;
}

export function encodeRecordBatch(spec: RecordBatchSpec): Buffer {
  try {
    return encodeBatch(spec);
  } catch (err) {
    // Buffer's integer writers throw RangeError for values a field cannot hold.
    if (err instanceof RangeError) throw new ProtocolError(`record batch field out of range: ${err.message}`);
    throw err;
  }
}

function encodeBatch(spec: RecordBatchSpec): Buffer {
  const records = spec.records;
  const baseTimestamp = spec.deleteHorizonMs ?? spec.baseTimestamp ?? records[0]?.timestamp ?? NO_TIMESTAMP;
  const compression = spec.compression ?? 0;
  const body = compress(compression, encodeRecords(records, baseTimestamp));
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + body.length);
  writeHeader(batch, spec, compression, baseTimestamp, body.length);
  body.copy(batch, RECORD_BATCH_OVERHEAD);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_POSITION)), CRC_POSITION);
  return batch;
}

function writeHeader(batch: Buffer, spec: RecordBatchSpec, compression: number, baseTimestamp: number, bodyLength: number): void {
  const records = spec.records;
  writeInt64(batch, BASE_OFFSET_POSITION, spec.baseOffset ?? 0);
  batch.writeInt32BE(RECORD_BATCH_OVERHEAD - LOG_OVERHEAD + bodyLength, BATCH_LENGTH_POSITION);
  batch.writeInt32BE(spec.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_POSITION);
  batch.writeInt8(RECORD_BATCH_MAGIC, MAGIC_POSITION);
  batch.writeInt16BE(encodeAttributes(spec, compression), ATTRIBUTES_POSITION);
  batch.writeInt32BE(spec.lastOffsetDelta ?? lastOffsetDeltaOf(records), LAST_OFFSET_DELTA_POSITION);
  writeInt64(batch, BASE_TIMESTAMP_POSITION, baseTimestamp);
  writeInt64(batch, MAX_TIMESTAMP_POSITION, spec.maxTimestamp ?? maxTimestampOf(records, baseTimestamp));
  writeInt64(batch, PRODUCER_ID_POSITION, spec.producerId ?? NO_PRODUCER_ID);
  batch.writeInt16BE(spec.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_POSITION);
  batch.writeInt32BE(spec.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_POSITION);
  batch.writeInt32BE(records.length, RECORD_COUNT_POSITION);
}

function encodeRecords(records: readonly RecordSpec[], baseTimestamp: number): Buffer {
  const writer = new Writer(1024);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    encodeRecord(writer, {
      attributes: record.attributes ?? 0,
      timestampDelta: (record.timestamp ?? baseTimestamp) - baseTimestamp,
      offsetDelta: record.offsetDelta ?? i,
      key: record.key,
      value: record.value,
      headers: record.headers ?? [],
    });
  }
  return writer.toBuffer();
}

function encodeAttributes(spec: RecordBatchSpec, compression: number): number {
  if (!isCompressionCodec(compression)) throw new ProtocolError(`unknown compression codec ${compression}`);
  let attributes = compression;
  if (spec.timestampType === TIMESTAMP_TYPE_LOG_APPEND_TIME) attributes |= TIMESTAMP_TYPE_FLAG;
  if (spec.isTransactional === true) attributes |= TRANSACTIONAL_FLAG;
  if (spec.isControl === true) attributes |= CONTROL_FLAG;
  if (spec.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_FLAG;
  return attributes;
}

function lastOffsetDeltaOf(records: readonly RecordSpec[]): number {
  let last = 0;
  for (let i = 0; i < records.length; i++) last = Math.max(last, records[i]!.offsetDelta ?? i);
  return last;
}

function maxTimestampOf(records: readonly RecordSpec[], baseTimestamp: number): number {
  if (records.length === 0) return NO_TIMESTAMP;
  let max = -Infinity;
  for (const record of records) max = Math.max(max, record.timestamp ?? baseTimestamp);
  return max;
}

/** Decodes the batch that starts at `offset`; the buffer may hold more after it. */
export function decodeRecordBatch(buf: Buffer, offset = 0, options: DecodeRecordBatchOptions = {}): RecordBatch {
  return decodeAt(new RecordBatchHeader(buf, offset), options);
}

/**
 * Decodes every complete batch laid end to end in `buf`. A trailing partial batch, as a fetch
 * response may end with, is skipped; malformed framing throws.
 */
export function decodeRecordBatches(buf: Buffer, options: DecodeRecordBatchOptions = {}): RecordBatch[] {
  const cursor = new RecordBatchCursor(buf);
  const batches: RecordBatch[] = [];
  while (cursor.next()) batches.push(decodeAt(cursor.header, options));
  return batches;
}

function decodeAt(header: RecordBatchHeader, options: DecodeRecordBatchOptions): RecordBatch {
  if (options.verifyCrc === false) header.validateFraming();
  else header.validate();
  const compression = header.compression;
  if (!isCompressionCodec(compression)) throw new ProtocolError(`record batch at byte ${header.offset} has unknown compression codec ${compression}`);
  const timestampType = header.timestampType;
  const batch: RecordBatch = {
    baseOffset: header.baseOffset,
    batchLength: header.batchLength,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    magic: header.magic,
    crc: header.crc,
    attributes: header.attributes,
    compression,
    timestampType,
    isTransactional: header.isTransactional,
    isControl: header.isControl,
    hasDeleteHorizonMs: header.hasDeleteHorizonMs,
    lastOffsetDelta: header.lastOffsetDelta,
    baseTimestamp: header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    records: [],
  };
  const recordsStart = header.offset + RECORD_BATCH_OVERHEAD;
  const body = header.buf.subarray(recordsStart, header.offset + header.sizeInBytes);
  const recordBytes = decompress(compression, body, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  const context: RecordContext = {
    baseOffset: batch.baseOffset,
    baseTimestamp: batch.baseTimestamp,
    logAppendTime: timestampType === TIMESTAMP_TYPE_CREATE_TIME ? null : batch.maxTimestamp,
  };
  batch.records = decodeRecords(new Reader(recordBytes), header.recordCount, context);
  return batch;
}

function decodeRecords(reader: Reader, recordCount: number, context: RecordContext): KafkaRecord[] {
  // No preallocation by recordCount: a forged count must not size anything. Each record takes
  // bytes, so a count larger than the bytes support runs out of input and throws.
  const records: KafkaRecord[] = [];
  for (let i = 0; i < recordCount; i++) records.push(decodeRecord(reader, context));
  if (reader.remaining !== 0) {
    throw new ProtocolError(`record batch holds ${reader.remaining} bytes after its ${recordCount} records`);
  }
  return records;
}
