/**
 * Typed access to KafkaJS's own record batch encoder and decoder (deep CommonJS modules of the
 * devDependency), so interop tests can build batches with KafkaJS and read ours with it. Only the
 * shapes these tests use are declared; KafkaJS returns int64 fields as decimal strings.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** KafkaJS's growable encoder; `buffer` is the bytes written so far. */
export interface KafkajsEncoder {
  readonly buffer: Buffer;
}

export interface KafkajsRecordInput {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  /** KafkaJS writes one header per value; it cannot write null header values. */
  headers: { [key: string]: Buffer | Buffer[] };
}

export interface KafkajsRecordBatchInput {
  compression: number;
  firstOffset: number;
  firstTimestamp: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  transactional: boolean;
  producerId: number;
  producerEpoch: number;
  firstSequence: number;
  records: KafkajsEncoder[];
}

export interface KafkajsDecodedRecord {
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: { [key: string]: Buffer | null | (Buffer | null)[] };
  isControlRecord: boolean;
}

export interface KafkajsDecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  timestampType: number;
  records: KafkajsDecodedRecord[];
}

interface KafkajsCodec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

interface KafkajsDecoderConstructor {
  new (buffer: Buffer): object;
}

const recordBatchModule = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(input: KafkajsRecordBatchInput): Promise<KafkajsEncoder>;
};
const recordModule = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (input: KafkajsRecordInput) => KafkajsEncoder;
const batchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: object) => Promise<KafkajsDecodedBatch>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as KafkajsDecoderConstructor;
const kafkajs = require('kafkajs') as { CompressionCodecs: { [codec: number]: () => KafkajsCodec } };
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;

export async function kafkajsEncodeBatch(input: KafkajsRecordBatchInput): Promise<Buffer> {
  return (await recordBatchModule.RecordBatch(input)).buffer;
}

export function kafkajsEncodeRecord(input: KafkajsRecordInput): KafkajsEncoder {
  return recordModule(input);
}

export function kafkajsDecodeBatch(batch: Buffer): Promise<KafkajsDecodedBatch> {
  return batchDecoder(new Decoder(batch));
}

export function kafkajsCrc(buffer: Buffer): number {
  return kafkajsCrc32c(buffer);
}

/** Installs a codec into KafkaJS's process-wide table (it ships gzip only). */
export function registerKafkajsCodec(codec: number, compress: (input: Buffer) => Buffer, decompress: (input: Buffer) => Buffer): void {
  kafkajs.CompressionCodecs[codec] = () => ({
    compress: (encoder: KafkajsEncoder) => Promise.resolve(compress(encoder.buffer)),
    decompress: (buffer: Buffer) => Promise.resolve(decompress(buffer)),
  });
}
