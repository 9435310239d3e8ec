/**
 * CoordinatorRecord: one record of `__consumer_offsets`, as the group coordinator writes and
 * replays it. The key's version says which record it is (Kafka's group-coordinator record specs):
 * 0 and 1 an offset commit, 2 a classic group's metadata, 3-8 a consumer group's (KIP-848) parts.
 * A null value is a tombstone: that key's state is deleted, and compaction later drops the key.
 *
 * State changes are expressed as these records, so what a restart replays is exactly what was
 * acknowledged. The codec lives in coordinator-record-codec.ts.
 */
import type {
  ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataValue, ConsumerGroupMetadataValue,
  ConsumerGroupPartitionMetadataValue, ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupTargetAssignmentMetadataValue, GroupMetadataValue, OffsetCommitValue,
} from '../../protocol/generated/index.js';

export type CoordinatorRecord =
  | { readonly type: 'offset-commit'; readonly groupId: string; readonly topic: string; readonly partition: number; readonly value: OffsetCommitValue | null }
  | { readonly type: 'group-metadata'; readonly groupId: string; readonly value: GroupMetadataValue | null }
  | { readonly type: 'consumer-group-metadata'; readonly groupId: string; readonly value: ConsumerGroupMetadataValue | null }
  | { readonly type: 'consumer-group-partition-metadata'; readonly groupId: string; readonly value: ConsumerGroupPartitionMetadataValue | null }
  | { readonly type: 'consumer-group-member-metadata'; readonly groupId: string; readonly memberId: string; readonly value: ConsumerGroupMemberMetadataValue | null }
  | { readonly type: 'consumer-group-target-assignment-metadata'; readonly groupId: string; readonly value: ConsumerGroupTargetAssignmentMetadataValue | null }
  | { readonly type: 'consumer-group-target-assignment-member'; readonly groupId: string; readonly memberId: string; readonly value: ConsumerGroupTargetAssignmentMemberValue | null }
  | { readonly type: 'consumer-group-current-member-assignment'; readonly groupId: string; readonly memberId: string; readonly value: ConsumerGroupCurrentMemberAssignmentValue | null };

export type CoordinatorRecordType = CoordinatorRecord['type'];
