/**
 * Fetcher: reads partitions of one topic from their leader, from a position per partition, one
 * Fetch request at a time. Each `fetch()` returns the records at or after each position, in
 * offset order per partition, and moves the positions past them. The broker may answer with
 * whole batches that start before a position (a compressed batch is stored whole); the records
 * before it are dropped here. Control batches (transaction markers) only move the position.
 *
 * Every Fetch is a full one without a session (session id 0, epoch -1, KIP-227), and the order
 * of partitions rotates between requests: a broker gives a request's first partition at least one
 * whole batch however large (KIP-74), so every partition gets its turn at that.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { ZERO_UUID } from '../protocol/primitives/index.js';
import { decodeRecordBatches, type RecordHeader, type TimestampType } from '../protocol/record-batch/index.js';
import { FETCH } from './client-api.js';
import { KafkaResponseError } from './client-errors.js';
import type { KafkaConnection } from './kafka-connection.js';
import { EARLIEST_TIMESTAMP, ISOLATION_READ_UNCOMMITTED, LATEST_TIMESTAMP, listOffsets } from './list-offsets.js';
import type { TopicMetadata } from './metadata.js';

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  /** 0 CreateTime, 1 LogAppendTime. */
  readonly timestampType: TimestampType;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface FetcherOptions {
  /** How long the broker may wait for `minBytes`. Default 500. */
  readonly maxWaitMs?: number;
  /** Default 1: answer as soon as anything is there. */
  readonly minBytes?: number;
  /** Default 52 428 800 (Kafka's fetch.max.bytes). */
  readonly maxBytes?: number;
  /** Default 1 048 576 (Kafka's max.partition.fetch.bytes). */
  readonly partitionMaxBytes?: number;
  readonly isolationLevel?: number;
}

export class Fetcher {
  private readonly positions: Map<number, number>;
  private readonly maxWaitMs: number;
  private rotation = 0;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topic: TopicMetadata,
    /** Partition → offset of the next record to read. */
    positions: ReadonlyMap<number, number>,
    private readonly options: FetcherOptions = {},
  ) {
    this.positions = new Map(positions);
    this.maxWaitMs = options.maxWaitMs ?? 500;
  }

  /** The offset of the next record `fetch` returns for `partition`. */
  position(partition: number): number | undefined {
    return this.positions.get(partition);
  }

  /** One Fetch request; `maxWaitMs` bounds how long the broker holds it when nothing is new. */
  async fetch(maxWaitMs: number = this.maxWaitMs): Promise<ConsumerRecord[]> {
    const order = [...this.positions.keys()];
    if (order.length === 0) return [];
    const first = this.rotation++ % order.length;
    const partitions = [...order.slice(first), ...order.slice(0, first)];
    const version = this.connection.versionFor(FETCH);
    const partitionMaxBytes = this.options.partitionMaxBytes ?? 1_048_576;
    const response = await this.connection.request(FETCH, version, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs,
      minBytes: this.options.minBytes ?? 1,
      maxBytes: this.options.maxBytes ?? 52_428_800,
      isolationLevel: this.options.isolationLevel ?? ISOLATION_READ_UNCOMMITTED,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        // v13+ (KIP-516) names the topic by id, earlier versions by name.
        topic: version >= 13 ? '' : this.topic.name,
        topicId: version >= 13 ? this.topic.topicId : ZERO_UUID,
        partitions: partitions.map((partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: this.positions.get(partition)!,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      }],
      forgottenTopicsData: [],
      rackId: '',
    }, { timeoutMs: maxWaitMs + 30_000 });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(response.errorCode, `fetch from topic ${this.topic.name}`);
    const records: ConsumerRecord[] = [];
    for (const t of response.responses) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) throw await this.outOfRange(p.partitionIndex);
        if (p.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(p.errorCode, `partition ${this.topic.name}-${p.partitionIndex}`);
        this.takeRecords(p.partitionIndex, p.records, records);
      }
    }
    return records;
  }

  /** OFFSET_OUT_OF_RANGE, saying which offsets the partition has (an error answer carries none). */
  private async outOfRange(partition: number): Promise<KafkaResponseError> {
    const where = `partition ${this.topic.name}-${partition}`;
    const position = this.positions.get(partition);
    const [earliest, latest] = await Promise.all([EARLIEST_TIMESTAMP, LATEST_TIMESTAMP].map(async (timestamp) => {
      const found = await listOffsets(this.connection, this.topic.name, [partition], timestamp, this.options.isolationLevel);
      return found.get(partition)?.offset ?? -1;
    }));
    return new KafkaResponseError(ErrorCode.OFFSET_OUT_OF_RANGE, where, `asked for offset ${position}; the partition starts at ${earliest} and ends at ${latest}`);
  }

  private takeRecords(partition: number, bytes: Buffer | null, into: ConsumerRecord[]): void {
    const position = this.positions.get(partition);
    if (position === undefined) return;
    if (bytes === null || bytes.length === 0) return;
    let next = position;
    for (const batch of decodeRecordBatches(bytes)) {
      const batchEnd = batch.baseOffset + batch.lastOffsetDelta + 1;
      if (!batch.isControl) {
        for (const r of batch.records) {
          if (r.offset < position) continue;
          into.push({
            topic: this.topic.name, partition, offset: r.offset, timestamp: r.timestamp, timestampType: batch.timestampType,
            key: r.key, value: r.value, headers: r.headers,
          });
        }
      }
      next = Math.max(next, batchEnd);
    }
    this.positions.set(partition, next);
  }
}
