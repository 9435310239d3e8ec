/**
 * ListOffsets: where a partition starts and ends, and which offset a timestamp maps to. For a
 * timestamp Kafka answers the first offset whose record timestamp is at or after it, or offset -1
 * when no record is that late.
 */
import { LIST_OFFSETS } from './client-api.js';
import { throwIfError } from './client-errors.js';
import type { KafkaConnection } from './kafka-connection.js';

/** Special timestamps ListOffsets understands. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
/** KIP-734 (v7+): the record with the largest timestamp. */
export const MAX_TIMESTAMP = -3;

export const ISOLATION_READ_UNCOMMITTED = 0;
export const ISOLATION_READ_COMMITTED = 1;

export interface OffsetAndTimestamp {
  readonly partition: number;
  /** -1 when no record has a timestamp at or after the one asked. */
  readonly offset: number;
  /** The found record's timestamp; -1 for EARLIEST / LATEST. */
  readonly timestamp: number;
}

/** Asks, for each of `partitions` of `topic`, the offset at `timestamp`. */
export async function listOffsets(
  connection: KafkaConnection, topic: string, partitions: readonly number[], timestamp: number, isolationLevel = ISOLATION_READ_UNCOMMITTED,
): Promise<Map<number, OffsetAndTimestamp>> {
  const version = connection.versionFor(LIST_OFFSETS);
  const response = await connection.request(LIST_OFFSETS, version, {
    replicaId: -1,
    // v2 added isolation levels; before it every read is uncommitted.
    isolationLevel: version >= 2 ? isolationLevel : 0,
    topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
    timeoutMs: 30_000,
  });
  const offsets = new Map<number, OffsetAndTimestamp>();
  for (const t of response.topics) {
    for (const p of t.partitions) {
      throwIfError(p.errorCode, `partition ${t.name}-${p.partitionIndex}`);
      offsets.set(p.partitionIndex, { partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp });
    }
  }
  return offsets;
}
