/**
 * ListOffsets (key 2), versions 1-10 (Kafka 4.0 removed v0, KIP-896). Per partition, by the
 * requested timestamp:
 *   -1 LATEST: the high watermark (read_uncommitted) or last stable offset (read_committed, v2+);
 *   -2 EARLIEST and -4 EARLIEST_LOCAL (v8+, KIP-405): the log start offset;
 *   -3 MAX_TIMESTAMP (v7+, KIP-734): the record with the largest timestamp;
 *   -5 LATEST_TIERED (v9+, KIP-1005): no tiered storage here, so offset -1;
 *   otherwise the first record whose timestamp is >= the one asked (offset -1 if none).
 * v4+ checks currentLeaderEpoch (KIP-320) and returns the leader epoch of the offset found.
 */
import { errorCodeOf, ErrorCode } from '../../protocol/error-codes.js';
import {
  type ListOffsetsRequest, type ListOffsetsResponse, type ListOffsetsResponseListOffsetsPartitionResponse,
  defaultListOffsetsResponse, defaultListOffsetsResponseListOffsetsPartitionResponse,
} from '../../protocol/generated/index.js';
import type { TimestampAndOffset } from '../../storage/partition-log.js';
import { defineHandler } from '../api-handler.js';
import type { Partition } from '../replica-manager.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;

function epochAt(partition: Partition, offset: number): number {
  let epoch = -1;
  for (const e of partition.log.leaderEpochCache.all) {
    if (e.startOffset <= offset) epoch = e.epoch;
    else break;
  }
  return epoch;
}

async function lookup(partition: Partition, timestamp: number, isolationLevel: number): Promise<TimestampAndOffset | null> {
  const log = partition.log;
  switch (timestamp) {
    case LATEST: {
      const offset = partition.maxReadableOffset(isolationLevel);
      return { timestamp: -1, offset, leaderEpoch: partition.leaderEpoch };
    }
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { timestamp: -1, offset: log.logStartOffset, leaderEpoch: epochAt(partition, log.logStartOffset) };
    case MAX_TIMESTAMP:
      return log.offsetOfMaxTimestamp();
    case LATEST_TIERED:
      return null;
    default: {
      const found = await log.offsetForTimestamp(timestamp);
      // Records past the high watermark are not yet visible to consumers.
      return found && found.offset < partition.maxReadableOffset(isolationLevel) ? found : null;
    }
  }
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: 2,
  minVersion: 1,
  maxVersion: 10,
  async handle(ctx, request) {
    const rm = ctx.broker.replicaManager;
    const topics = [];
    for (const topic of request.topics) {
      const partitions: ListOffsetsResponseListOffsetsPartitionResponse[] = [];
      for (const p of topic.partitions) {
        const base = { ...defaultListOffsetsResponseListOffsetsPartitionResponse(), partitionIndex: p.partitionIndex };
        try {
          const partition = rm.leaderPartition(topic.name, p.partitionIndex);
          partition.checkLeaderEpoch(p.currentLeaderEpoch);
          const found = await lookup(partition, p.timestamp, request.isolationLevel);
          partitions.push(found
            ? { ...base, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch }
            : { ...base, timestamp: -1, offset: -1, leaderEpoch: -1 });
        } catch (err) {
          partitions.push({ ...base, errorCode: errorCodeOf(err) || ErrorCode.UNKNOWN_SERVER_ERROR, timestamp: -1, offset: -1 });
        }
      }
      topics.push({ name: topic.name, partitions });
    }
    return { ...defaultListOffsetsResponse(), topics };
  },
});
