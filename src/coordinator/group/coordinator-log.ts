/**
 * CoordinatorLog: where the group coordinator's records go and come back from — the partitions of
 * `__consumer_offsets`. The coordinator knows only this interface; the broker implements it over
 * its ReplicaManager (src/broker/group-coordinator-log.ts), so the coordinator stays free of
 * sockets and replication.
 */
import type { CoordinatorRecord } from './coordinator-record.js';

export interface CoordinatorLog {
  /** Partitions of `__consumer_offsets` (`offsets.topic.num.partitions`). */
  readonly partitionCount: number;
  /**
   * Appends the records to the partition as one batch, so they are all applied or none. Resolves
   * once the write is acknowledged (on a single node: in the log, past the high watermark); rejects
   * with the KafkaError of the failed append (NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR,
   * MESSAGE_TOO_LARGE, ...), which the caller maps to the code its API answers.
   */
  append(partition: number, records: readonly CoordinatorRecord[]): Promise<void>;
  /**
   * Every record of the partition from its log start to its high watermark, in order, for loading
   * state after a start or a leadership change. Records whose key version is unknown are skipped
   * by the implementation (with a logged warning), as Kafka skips them.
   */
  read(partition: number): AsyncIterable<CoordinatorRecord>;
}

/** Kafka's `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`: the partition that holds a group. */
export function partitionForGroup(groupId: string, partitionCount: number): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  // Kafka's Utils.abs: Math.abs, except Integer.MIN_VALUE (which has no positive) maps to 0.
  const positive = hash === -2147483648 ? 0 : Math.abs(hash);
  return positive % partitionCount;
}
