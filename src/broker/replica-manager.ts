/**
 * ReplicaManager: the partitions this broker hosts, each with its PartitionLog and leadership
 * state, and the one place produce and fetch go through.
 *
 * Appends go to the leader's log; the high watermark then advances to the lowest log end offset
 * of the in-sync replicas (on a single node, the leader's own), and operations waiting on the
 * partition (long-poll fetches) are woken. Reads are bounded by the high watermark for consumers.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { PartitionRecord, TopicRecord } from '../cluster/metadata-store.js';
import type { LogConfig } from '../storage/log-config.js';
import type { LogManager } from '../storage/log-manager.js';
import type { FetchDataInfo, LogAppendInfo, PartitionLog } from '../storage/partition-log.js';
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

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  readonly fetchPurgatory: DelayedOperationPurgatory;

  constructor(private readonly logManager: LogManager, private readonly nodeId: number, clock: () => number) {
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
      const partition = new Partition(topic.name, state.partition, topic.topicId, log, state);
      partition.maybeIncrementHighWatermark();
      this.partitions.set(key, partition);
    }
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
    const info = partition.log.append(records, partition.leaderEpoch);
    partition.maybeIncrementHighWatermark();
    if (info.bytes > 0) this.fetchPurgatory.checkAndComplete(partition.key, info.bytes);
    return info;
  }

  read(partition: Partition, fetchOffset: number, maxBytes: number, isolationLevel: number, minOneBatch: boolean): Promise<FetchDataInfo> {
    return partition.log.read(fetchOffset, maxBytes, partition.maxReadableOffset(isolationLevel), minOneBatch);
  }

  allPartitions(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  shutdown(): void {
    this.fetchPurgatory.shutdown();
  }
}
