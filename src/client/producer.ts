/**
 * Producing: `produceBatch` writes one record batch (format v2, optionally compressed) to one
 * partition; `Producer` groups records into such batches per partition, as Kafka's producer
 * does — a batch is sent when it reaches `batchSizeBytes` or has waited `lingerMs` — and picks
 * partitions with a Partitioner (Java-compatible by default).
 *
 * Batches for one partition go out over one connection in order and the broker handles a
 * connection's requests in order, so records keep their order within a partition. There are no
 * retries and no idempotence (producer ids) yet: the first failure is reported from `send` or
 * `flush`, and what was not yet sent is dropped.
 */
import type { CompressionCodec } from '../protocol/compression/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { encodeRecordBatch, type RecordHeader } from '../protocol/record-batch/index.js';
import { PRODUCE } from './client-api.js';
import { KafkaResponseError, throwIfError } from './client-errors.js';
import type { ConnectionPool } from './connection-pool.js';
import type { KafkaConnection } from './kafka-connection.js';
import { type ClusterMetadata, type TopicMetadata, topicOf } from './metadata.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';

/** -1 (all in-sync replicas), 1 (the leader), 0 (no response). */
export type Acks = -1 | 0 | 1;

export interface ProducerRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** CreateTime in ms; defaults to when the record is sent. */
  readonly timestamp?: number;
}

export interface ProduceBatchOptions {
  /** Default -1. */
  readonly acks?: Acks;
  /** Default none (0). */
  readonly compression?: CompressionCodec;
  /** How long the broker may wait for replication (acks=-1). Default 30 000. */
  readonly timeoutMs?: number;
}

export interface ProduceResult {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the batch's first record; -1 with acks=0, which gets no answer. */
  readonly baseOffset: number;
  /** The broker's append time when the topic uses LogAppendTime, else -1. */
  readonly logAppendTimeMs: number;
  readonly recordCount: number;
}

const DEFAULT_PRODUCE_TIMEOUT_MS = 30_000;

/** Sends `records` as one batch to `topic`-`partition` over `connection` (the partition's leader). */
export async function produceBatch(
  connection: KafkaConnection, topic: string, partition: number, records: readonly ProducerRecord[], options: ProduceBatchOptions = {},
): Promise<ProduceResult> {
  const now = Date.now();
  const batch = encodeRecordBatch({
    records: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers ?? [], timestamp: r.timestamp ?? now })),
    compression: options.compression ?? 0,
  });
  const acks = options.acks ?? -1;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PRODUCE_TIMEOUT_MS;
  const version = connection.versionFor(PRODUCE);
  const body = { transactionalId: null, acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
  if (acks === 0) {
    await connection.sendWithoutResponse(PRODUCE, version, body);
    return { topic, partition, baseOffset: -1, logAppendTimeMs: -1, recordCount: records.length };
  }
  const response = await connection.request(PRODUCE, version, body, { timeoutMs: timeoutMs + 5_000 });
  const answer = response.responses[0]?.partitionResponses[0];
  if (!answer) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `partition ${topic}-${partition}`, 'the produce response named no partition');
  throwIfError(answer.errorCode, `partition ${topic}-${partition}`, answer.errorMessage);
  return { topic, partition, baseOffset: answer.baseOffset, logAppendTimeMs: answer.logAppendTimeMs, recordCount: records.length };
}

export interface ProducerOptions extends ProduceBatchOptions {
  /** A partition's batch is sent once its records take about this many bytes. Default 16 384. */
  readonly batchSizeBytes?: number;
  /** How long a batch waits for more records before it is sent. Default 5. */
  readonly lingerMs?: number;
  /** Produce requests outstanding before `send` waits. Default 5. */
  readonly maxInFlight?: number;
  readonly partitioner?: Partitioner;
}

interface PendingBatch {
  readonly topic: TopicMetadata;
  readonly partition: number;
  readonly records: ProducerRecord[];
  bytes: number;
}

/** Bytes a record adds to a batch, near enough to decide when a batch is full. */
function recordSize(record: ProducerRecord): number {
  let size = 24 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const h of record.headers ?? []) size += 8 + h.key.length + (h.value?.length ?? 0);
  return size;
}

export class Producer {
  private readonly pending = new Map<string, PendingBatch>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly partitioner: Partitioner;
  private readonly batchSizeBytes: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private lingerTimer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;
  /** Records the broker acknowledged (or, with acks=0, that were written to the socket). */
  sentRecords = 0;

  constructor(private readonly pool: ConnectionPool, private readonly metadata: ClusterMetadata, private readonly options: ProducerOptions = {}) {
    this.partitioner = options.partitioner ?? new DefaultPartitioner();
    this.batchSizeBytes = options.batchSizeBytes ?? 16_384;
    this.lingerMs = options.lingerMs ?? 5;
    this.maxInFlight = options.maxInFlight ?? 5;
  }

  /**
   * Adds a record to its partition's batch (`partition`, or the partitioner's choice). Resolves
   * once fewer than `maxInFlight` requests are outstanding; rejects with the first failure.
   */
  async send(topic: string, record: ProducerRecord, partition?: number): Promise<void> {
    this.throwIfFailed();
    const meta = topicOf(this.metadata, topic);
    const count = meta.partitions.length;
    const target = partition ?? this.partitioner.partition(topic, record.key, count);
    if (!Number.isInteger(target) || target < 0 || target >= count) {
      throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${topic}-${target}`, `topic ${topic} has partitions 0-${count - 1}`);
    }
    const key = `${topic}\u0000${target}`;
    let batch = this.pending.get(key);
    if (!batch) {
      batch = { topic: meta, partition: target, records: [], bytes: 0 };
      this.pending.set(key, batch);
    }
    batch.records.push(record.timestamp === undefined ? { ...record, timestamp: Date.now() } : record);
    batch.bytes += recordSize(record);
    if (batch.bytes >= this.batchSizeBytes) this.dispatch(key, batch);
    else this.lingerTimer ??= setTimeout(() => this.dispatchAll(), this.lingerMs);
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Sends every waiting batch and waits for all answers; rejects with the first failure. */
  async flush(): Promise<void> {
    this.dispatchAll();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private dispatchAll(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    for (const [key, batch] of this.pending) this.dispatch(key, batch);
  }

  private dispatch(key: string, batch: PendingBatch): void {
    this.pending.delete(key);
    if (this.failure) return;
    const topic = batch.topic.name;
    const partitionCount = batch.topic.partitions.length;
    this.partitioner.onNewBatch?.(topic, batch.partition, partitionCount);
    const sending = this.sendBatch(batch)
      .then((result) => { this.sentRecords += result.recordCount; })
      .catch((err: unknown) => { this.failure ??= err as Error; })
      .finally(() => { this.inFlight.delete(sending); });
    this.inFlight.add(sending);
  }

  private async sendBatch(batch: PendingBatch): Promise<ProduceResult> {
    const topic = batch.topic.name;
    const leaderId = batch.topic.partitions.find((p) => p.partition === batch.partition)?.leaderId ?? -1;
    if (leaderId < 0) throw new KafkaResponseError(ErrorCode.LEADER_NOT_AVAILABLE, `partition ${topic}-${batch.partition}`);
    const connection = await this.pool.connectionTo(leaderId, this.metadata);
    return produceBatch(connection, topic, batch.partition, batch.records, this.options);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
