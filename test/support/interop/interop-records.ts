/**
 * Records as the interop tests see them, whatever client wrote or read them: what a producer is
 * asked to send, what a consumer reports, the JSON form the Python scripts exchange (bytes as
 * base64, null kept), and the ground truth read straight from the broker with our own RawClient
 * and record-batch decoder (which also tells which codec each stored batch used).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type FetchResponse, defaultFetchRequest } from '../../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../../src/protocol/record-batch/index.js';
import type { RecordHeader } from '../../../src/protocol/record-batch/index.js';
import { RawClient } from '../raw-client.js';

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const ALL_CODECS: readonly Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** Record batch attribute bits 0-2, by codec. */
export const CODEC_ID: Readonly<Record<Codec, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

const FIND_COORDINATOR_KEY = 10;

/**
 * The codec librdkafka actually writes when asked for `codec`, given what the broker advertises:
 * it sends LZ4 uncompressed unless the broker lists FindCoordinator (its marker for brokers new
 * enough for LZ4, `RD_KAFKA_FEATURE_LZ4`), and ZSTD only with Produce v7 and Fetch v10.
 */
export function librdkafkaWrittenCodec(codec: Codec, advertised: ReadonlyMap<number, { minVersion: number; maxVersion: number }>): Codec {
  if (codec === 'lz4' && !advertised.has(FIND_COORDINATOR_KEY)) return 'none';
  return codec;
}

export interface RecordToProduce {
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  /** CreateTime to set; the client stamps the record when absent. */
  readonly timestamp?: number;
}

export interface ConsumedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  readonly timestamp: number;
}

/** A producer's acknowledgement of one record (delivery report / RecordMetadata). */
export interface RecordAck {
  readonly partition: number;
  readonly offset: number;
  readonly errorCode: number | null;
  readonly error: string | null;
  readonly timestamp?: number;
  /** Refused by the client before anything was sent (confluent-kafka's produce() raised). */
  readonly refusedByClient?: boolean;
}

export function bytes(text: string | null): Buffer | null {
  return text === null ? null : Buffer.from(text, 'utf8');
}

export function headers(pairs: readonly (readonly [string, string | null])[]): RecordHeader[] {
  return pairs.map(([key, value]) => ({ key, value: bytes(value) }));
}

// ---- the JSON the Python scripts read and print ----

export interface RecordJson {
  partition: number;
  offset?: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  timestamp?: number | null;
}

const b64 = (b: Buffer | null): string | null => (b === null ? null : b.toString('base64'));
const unb64 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));

export function toRecordJson(r: RecordToProduce): RecordJson {
  return { partition: r.partition, key: b64(r.key), value: b64(r.value), headers: r.headers.map((h) => [h.key, b64(h.value)]), timestamp: r.timestamp ?? null };
}

export function fromRecordJson(r: RecordJson): ConsumedRecord {
  return {
    partition: r.partition, offset: r.offset ?? -1, key: unb64(r.key), value: unb64(r.value),
    headers: r.headers.map(([key, value]) => ({ key, value: unb64(value) })), timestamp: r.timestamp ?? -1,
  };
}

// ---- comparison ----

/** Short, exact and readable in a diff: printable text as itself, anything else as length and hash. */
function describeBytes(b: Buffer | null): string | null {
  if (b === null) return null;
  if (b.length <= 120 && /^[\x20-\x7e]*$/.test(b.toString('latin1'))) return `"${b.toString('latin1')}"`;
  return `<${b.length} bytes sha256 ${createHash('sha256').update(b).digest('hex').slice(0, 16)}>`;
}

export function describeRecord(r: ConsumedRecord): Record<string, unknown> {
  return {
    partition: r.partition, offset: r.offset, timestamp: r.timestamp,
    key: describeBytes(r.key), value: describeBytes(r.value),
    headers: r.headers.map((h) => [h.key, describeBytes(h.value)]),
  };
}

const byPosition = (a: ConsumedRecord, b: ConsumedRecord): number => a.partition - b.partition || a.offset - b.offset;

/** Same records, by partition and offset, with equal keys, values, headers and timestamps. */
export function assertSameRecords(actual: readonly ConsumedRecord[], expected: readonly ConsumedRecord[], message: string): void {
  assert.deepEqual([...actual].sort(byPosition).map(describeRecord), [...expected].sort(byPosition).map(describeRecord), message);
}

/** The records a producer was asked to send, at the offsets its acknowledgements name. */
export function expectedFromAcks(sent: readonly RecordToProduce[], acks: readonly RecordAck[], stampedAt?: (i: number) => number): ConsumedRecord[] {
  assert.equal(acks.length, sent.length, 'one acknowledgement per record');
  return sent.map((r, i) => {
    const ack = acks[i]!;
    assert.equal(ack.errorCode ?? 0, 0, `record ${i} acknowledged without error (${ack.error ?? ''})`);
    assert.equal(ack.partition, r.partition, `record ${i} acknowledged on its partition`);
    return { partition: r.partition, offset: ack.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp ?? stampedAt?.(i) ?? -1 };
  });
}

// ---- ground truth from the broker ----

export interface StoredPartition {
  readonly records: ConsumedRecord[];
  /** The compression codec id of each stored batch, in order. */
  readonly batchCodecs: number[];
  readonly highWatermark: number;
}

/** Every record of one partition, read by Fetch v12 and decoded with our own batch decoder. */
export async function readStoredPartition(port: number, topic: string, partition: number): Promise<StoredPartition> {
  const client = await RawClient.connect('127.0.0.1', port);
  try {
    const records: ConsumedRecord[] = [];
    const batchCodecs: number[] = [];
    let fetchOffset = 0;
    let highWatermark = 0;
    for (let round = 0; round < 10_000; round++) {
      const res = await client.request<FetchResponse>(1, 12, {
        ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 16 << 20,
        topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 16 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      });
      const data = res.responses[0]!.partitions[0]!;
      assert.equal(data.errorCode, 0, `fetch ${topic}-${partition} at ${fetchOffset}`);
      highWatermark = data.highWatermark;
      const batches = data.records && data.records.length > 0 ? decodeRecordBatches(data.records) : [];
      for (const batch of batches) {
        if (batch.isControl) continue;
        batchCodecs.push(batch.compression);
        for (const r of batch.records) {
          if (r.offset < fetchOffset) continue;
          records.push({ partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
        }
        fetchOffset = batch.baseOffset + batch.lastOffsetDelta + 1;
      }
      if (fetchOffset >= highWatermark || batches.length === 0) break;
    }
    return { records, batchCodecs, highWatermark };
  } finally {
    client.close();
  }
}

/**
 * Every stored batch of a partition is in `codec`. librdkafka sends a batch uncompressed when
 * compressing would not make it smaller (a few tiny records split off by linger.ms), so with
 * `allowUncompressed` such batches may sit beside the (at least one) batch in `codec`.
 */
export function assertBatchCodecs(stored: StoredPartition, codec: Codec, label: string, allowUncompressed = false): void {
  const want = CODEC_ID[codec];
  const ok = stored.batchCodecs.includes(want) && stored.batchCodecs.every((c) => c === want || (allowUncompressed && c === CODEC_ID.none));
  assert.ok(ok, `${label}: stored batches use ${codec} (codecs of the stored batches: ${stored.batchCodecs.join(',')})`);
}

export async function readStoredTopic(port: number, topic: string, partitions: number): Promise<ConsumedRecord[]> {
  const all: ConsumedRecord[] = [];
  for (let p = 0; p < partitions; p++) all.push(...(await readStoredPartition(port, topic, p)).records);
  return all;
}
