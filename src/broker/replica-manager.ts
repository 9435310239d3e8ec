/**
 * ReplicaManager: the partitions this broker hosts, each with its PartitionLog and leadership
 * state, and the one place produce and fetch go through.
 *
 * Appends go to the leader's log; the high watermark then advances to the lowest log end offset
 * of the in-sync replicas (on a single node, the leader's own), and operations waiting on the
 * partition (long-poll fetches) are woken. Reads are bounded by the high watermark for consumers.
 *
 * Each hosted partition has a ProducerStateManager (idempotent producers, KIP-98), loaded from its
 * snapshot and log when the partition is first applied and kept current by the log's
 * ProducerStateHook. A client's batches are checked against it before the append: a retry of a
 * batch already written is answered with that batch's offsets and nothing is appended.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { PartitionRecord, TopicRecord } from '../cluster/metadata-store.js';
import type { BatchMetadata } from '../coordinator/producer-state-entry.js';
import { ProducerStateManager, type ProducerStateLogger } from '../coordinator/producer-state-manager.js';
import { TIMESTAMP_TYPE_LOG_APPEND_TIME } from '../protocol/record-batch/index.js';
import type { LogConfig } from '../storage/log-config.js';
import type { LogManager } from '../storage/log-manager.js';
import type { FetchDataInfo, LogAppendInfo, PartitionLog } from '../storage/partition-log.js';
import type { ReadBufferSource } from '../storage/read-buffer-source.js';
import { DelayedOperationPurgatory } from './delayed/delayed-operation-purgatory.js';

export const ISOLATION_READ_UNCOMMITTED = 0;
export const ISOLATION_READ_COMMITTED = 1;

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class Partition {
  constructor(
    readonly topic: string,
    readonly partitionIndex: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public state: PartitionRecord,
    readonly producerState: ProducerStateManager,
  ) {}

  get key(): string {
    return partitionKey(this.topic, this.partitionIndex);
  }

  get leaderEpoch(): number {
    return this.state.leaderEpoch;
  }

  /** Single replica in sync: the high watermark is the log end offset. */
  maybeIncrementHighWatermark(): void {
    if (this.state.isr.length === 1) this.log.updateHighWatermark(this.log.logEndOffset);
  }

  /** Consumers read up to the high watermark (transactions will bound read_committed by the LSO). */
  maxReadableOffset(_isolationLevel: number): number {
    return this.log.highWatermark;
  }

  /** FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH checks of KIP-320 (-1 means "not checked"). */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch < 0) return;
    if (currentLeaderEpoch < this.state.leaderEpoch) {
      throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} of ${this.key} is older than the current ${this.state.leaderEpoch}`);
    }
    if (currentLeaderEpoch > this.state.leaderEpoch) {
      throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} of ${this.key} is newer than the current ${this.state.leaderEpoch}`);
    }
  }
}

/** Kafka's producer.id.expiration.ms default: a day. */
const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

export interface ReplicaManagerOptions {
  /** `producer.id.expiration.ms`. */
  readonly producerIdExpirationMs?: number;
  readonly logger?: ProducerStateLogger;
}

/**
 * A retry of a batch already in the log: its original offsets, nothing written (Kafka answers
 * NONE). The log append time is the batch's stamped time under LogAppendTime and -1 otherwise,
 * the meaning the Produce response documents.
 */
function duplicateAppendInfo(log: PartitionLog, batch: BatchMetadata): LogAppendInfo {
  if (log.offline) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `the log directory of ${log.name} is offline`);
  const logAppendTime = log.config.messageTimestampType === TIMESTAMP_TYPE_LOG_APPEND_TIME ? batch.timestamp : -1;
  return {
    firstOffset: batch.firstOffset, lastOffset: batch.lastOffset, maxTimestamp: batch.timestamp, offsetOfMaxTimestamp: batch.lastOffset,
    logAppendTime, logStartOffset: log.logStartOffset, batchCount: 0, bytes: 0,
  };
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  readonly fetchPurgatory: DelayedOperationPurgatory;

  constructor(
    private readonly logManager: LogManager,
    private readonly nodeId: number,
    private readonly clock: () => number,
    private readonly options: ReplicaManagerOptions = {},
  ) {
    this.fetchPurgatory = new DelayedOperationPurgatory(clock);
  }

  /** Applies topic metadata: creates the logs of partitions led here, updates leadership state and config. */
  applyTopic(topic: TopicRecord, config: LogConfig): void {
    this.logManager.setTopicConfig(topic.name, config);
    for (const state of topic.partitions) {
      if (!state.replicas.includes(this.nodeId)) continue;
      const key = partitionKey(topic.name, state.partition);
      const existing = this.partitions.get(key);
      if (existing) {
        existing.state = state;
        continue;
      }
      const log = this.logManager.createLog(topic.name, state.partition, topic.topicId);
      const partition = new Partition(topic.name, state.partition, topic.topicId, log, state, this.loadProducerState(log));
      partition.maybeIncrementHighWatermark();
      this.partitions.set(key, partition);
    }
  }

  /** Rebuilds a log's producer state (snapshot, then the batches after it) and hooks it to the log. */
  private loadProducerState(log: PartitionLog): ProducerStateManager {
    const producerState = new ProducerStateManager(log, {
      producerIdExpirationMs: this.options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
      clock: this.clock,
      logger: this.options.logger,
    });
    producerState.load();
    log.producerStateHook = producerState;
    return producerState;
  }

  async removeTopic(topic: TopicRecord): Promise<void> {
    for (const state of topic.partitions) {
      const key = partitionKey(topic.name, state.partition);
      if (!this.partitions.delete(key)) continue;
      await this.logManager.deleteLog(topic.name, state.partition);
    }
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  /** The partition if this broker leads it; otherwise the error Kafka answers. */
  leaderPartition(topic: string, partition: number): Partition {
    const p = this.partitions.get(partitionKey(topic, partition));
    if (!p) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `this broker does not host ${topic}-${partition}`);
    if (p.state.leader !== this.nodeId) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker is not the leader of ${topic}-${partition}`);
    return p;
  }

  appendRecords(partition: Partition, records: Buffer): LogAppendInfo {
    const duplicate = partition.producerState.checkAppend(records);
    if (duplicate !== null) return duplicateAppendInfo(partition.log, duplicate);
    const info = partition.log.append(records, partition.leaderEpoch);
    partition.maybeIncrementHighWatermark();
    if (info.bytes > 0) this.fetchPurgatory.checkAndComplete(partition.key, info.bytes);
    return info;
  }

  read(
    partition: Partition, fetchOffset: number, maxBytes: number, isolationLevel: number, minOneBatch: boolean, buffers?: ReadBufferSource,
  ): Promise<FetchDataInfo> {
    return partition.log.read(fetchOffset, maxBytes, partition.maxReadableOffset(isolationLevel), minOneBatch, buffers);
  }

  allPartitions(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  /**
   * Periodic producer-state upkeep: producer ids idle past `producer.id.expiration.ms` are
   * forgotten, and snapshots below a log's start offset (useless for replay) deleted.
   */
  maintainProducerState(now = this.clock()): void {
    for (const partition of this.partitions.values()) {
      if (partition.log.offline) continue;
      partition.producerState.removeExpiredProducers(now);
      partition.producerState.deleteSnapshotsBefore(partition.log.logStartOffset);
    }
  }

  /** Clean shutdown, once no append can follow: a snapshot at every log end, so a restart replays nothing. */
  snapshotProducerState(): void {
    for (const partition of this.partitions.values()) {
      if (!partition.log.offline) partition.producerState.takeSnapshot();
    }
  }

  shutdown(): void {
    this.fetchPurgatory.shutdown();
  }
}
