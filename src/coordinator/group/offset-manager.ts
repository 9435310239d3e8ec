/**
 * OffsetManager: the committed offsets of every group this coordinator holds, Kafka's
 * OffsetMetadataManager. In memory: group → topic → partition → OffsetAndMetadata; on disk: one
 * OffsetCommit record per partition in `__consumer_offsets` (a null value deletes it).
 *
 * It builds the records a request needs and answers from memory; the facade validates the group,
 * writes the records, and only once the write is acknowledged applies them here (`replay`), so memory
 * never shows an offset a restart would not find. Loading a partition replays its records the same way.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type {
  OffsetCommitRequest, OffsetCommitResponseOffsetCommitResponseTopic, OffsetDeleteRequestOffsetDeleteRequestTopic,
  OffsetDeleteResponseOffsetDeleteResponseTopic, OffsetFetchResponseOffsetFetchResponsePartitions,
  OffsetFetchResponseOffsetFetchResponseTopics,
} from '../../protocol/generated/index.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { Group, TopicMetadataSource } from './group.js';

export interface OffsetAndMetadata {
  readonly committedOffset: number;
  /** -1 when the committer did not know it. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** OffsetCommit v2-4 could set a retention per commit; -1 when not (the broker's retention applies). */
  readonly expireTimestampMs: number;
}

type OffsetCommitRecord = Extract<CoordinatorRecord, { type: 'offset-commit' }>;

/** The requested topics of an OffsetFetch group (v0-7 top level, v8+ per group); null asks for all. */
export interface FetchTopic {
  readonly name: string;
  readonly partitionIndexes: readonly number[];
}

export interface CommitPlan {
  readonly topics: OffsetCommitResponseOffsetCommitResponseTopic[];
  readonly records: OffsetCommitRecord[];
}

/** The base an offset's retention counts from, or null when the group's offsets do not expire now. */
export type ExpirationBase = (offset: OffsetAndMetadata) => number;

const NO_OFFSET: Omit<OffsetFetchResponseOffsetFetchResponsePartitions, 'partitionIndex'> = {
  committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE,
};

export class OffsetManager {
  private readonly offsetsByGroup = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsetsByGroup.get(groupId)?.get(topic)?.get(partition);
  }

  hasOffsets(groupId: string): boolean {
    return this.offsetsByGroup.has(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.offsetsByGroup.keys();
  }

  /** Applies an acknowledged (or loaded) OffsetCommit record. */
  replay(record: OffsetCommitRecord): void {
    const { groupId, topic, partition, value } = record;
    if (value === null) {
      this.remove(groupId, topic, partition);
      return;
    }
    let topics = this.offsetsByGroup.get(groupId);
    if (!topics) this.offsetsByGroup.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, {
      committedOffset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata,
      commitTimestampMs: value.commitTimestamp, expireTimestampMs: value.expireTimestamp,
    });
  }

  private remove(groupId: string, topic: string, partition: number): void {
    const topics = this.offsetsByGroup.get(groupId);
    const partitions = topics?.get(topic);
    if (!topics || !partitions) return;
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.offsetsByGroup.delete(groupId);
  }

  /** Forgets a group's offsets without records (its partition was unloaded). */
  dropGroup(groupId: string): void {
    this.offsetsByGroup.delete(groupId);
  }

  /**
   * The records and per-partition answers of an OffsetCommit the group accepted. Partitions of unknown
   * topics answer UNKNOWN_TOPIC_OR_PARTITION (Kafka checks the metadata first), metadata longer than
   * `offset.metadata.max.bytes` OFFSET_METADATA_TOO_LARGE; the rest become one record each.
   */
  planCommit(request: OffsetCommitRequest, nowMs: number, metadataMaxBytes: number, topics: TopicMetadataSource): CommitPlan {
    const expireTimestampMs = request.retentionTimeMs === -1 ? -1 : nowMs + request.retentionTimeMs;
    const records: OffsetCommitRecord[] = [];
    const responseTopics = request.topics.map((topic) => {
      const known = topics.topic(topic.name);
      return {
        name: topic.name,
        partitions: topic.partitions.map((p) => {
          const partitionIndex = p.partitionIndex;
          if (!known || partitionIndex < 0 || partitionIndex >= known.partitionCount) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (p.committedMetadata !== null && p.committedMetadata.length > metadataMaxBytes) return { partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
          records.push({
            type: 'offset-commit', groupId: request.groupId, topic: topic.name, partition: partitionIndex,
            value: {
              offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata ?? '',
              commitTimestamp: p.commitTimestamp === -1 ? nowMs : p.commitTimestamp, expireTimestamp: expireTimestampMs,
            },
          });
          return { partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    return { topics: responseTopics, records };
  }

  /** OffsetFetch answers for one group: the partitions asked (-1 where none is committed), or every committed one. */
  fetch(groupId: string, requested: readonly FetchTopic[] | null): OffsetFetchResponseOffsetFetchResponseTopics[] {
    const topics = this.offsetsByGroup.get(groupId);
    if (requested === null) {
      return [...(topics ?? new Map<string, Map<number, OffsetAndMetadata>>())].map(([name, partitions]) => ({
        name, partitions: [...partitions].map(([partitionIndex, offset]) => answer(partitionIndex, offset)),
      }));
    }
    return requested.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => answer(partitionIndex, topics?.get(topic.name)?.get(partitionIndex))),
    }));
  }

  /**
   * OffsetDelete: tombstones for the committed offsets of the named partitions, except topics a member
   * still subscribes to, whose partitions answer GROUP_SUBSCRIBED_TO_TOPIC.
   */
  planDelete(group: Group, topics: readonly OffsetDeleteRequestOffsetDeleteRequestTopic[]): { topics: OffsetDeleteResponseOffsetDeleteResponseTopic[]; records: OffsetCommitRecord[] } {
    const records: OffsetCommitRecord[] = [];
    const responseTopics = topics.map((topic) => {
      const isSubscribed = group.isSubscribedToTopic(topic.name);
      return {
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex }) => {
          if (isSubscribed) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          if (this.get(group.groupId, topic.name, partitionIndex)) records.push(tombstone(group.groupId, topic.name, partitionIndex));
          return { partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    return { topics: responseTopics, records };
  }

  /** Tombstones for every offset of the group (DeleteGroups). */
  allTombstones(groupId: string): OffsetCommitRecord[] {
    const records: OffsetCommitRecord[] = [];
    for (const [topic, partitions] of this.offsetsByGroup.get(groupId) ?? []) {
      for (const partition of partitions.keys()) records.push(tombstone(groupId, topic, partition));
    }
    return records;
  }

  /**
   * Kafka's cleanupExpiredOffsets: tombstones for the group's offsets whose retention has passed,
   * never for a topic a member subscribes to. `allExpired` says the group keeps no offset afterwards
   * (then an empty group may be deleted too).
   */
  planExpiration(group: Group, base: ExpirationBase | null, nowMs: number, retentionMs: number): { records: OffsetCommitRecord[]; allExpired: boolean } {
    const topics = this.offsetsByGroup.get(group.groupId);
    if (!topics) return { records: [], allExpired: true };
    if (base === null) return { records: [], allExpired: false };
    const records: OffsetCommitRecord[] = [];
    let allExpired = true;
    for (const [topic, partitions] of topics) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, offset] of partitions) {
        // v2-4 commits carried their own expiry; the rest count the broker's retention from the base.
        const isExpired = offset.expireTimestampMs !== -1 ? nowMs >= offset.expireTimestampMs : nowMs - base(offset) >= retentionMs;
        if (isExpired) records.push(tombstone(group.groupId, topic, partition));
        else allExpired = false;
      }
    }
    return { records, allExpired };
  }
}

function answer(partitionIndex: number, offset: OffsetAndMetadata | undefined): OffsetFetchResponseOffsetFetchResponsePartitions {
  if (!offset) return { partitionIndex, ...NO_OFFSET };
  return { partitionIndex, committedOffset: offset.committedOffset, committedLeaderEpoch: offset.leaderEpoch, metadata: offset.metadata, errorCode: ErrorCode.NONE };
}

function tombstone(groupId: string, topic: string, partition: number): OffsetCommitRecord {
  return { type: 'offset-commit', groupId, topic, partition, value: null };
}
