/**
 * The reconciliation of KIP-848 (Kafka's CurrentAssignmentBuilder): moves a member one safe step
 * towards its target assignment, so no partition is ever owned by two members at once.
 *
 * - A member first gives up what it owns outside its target: it keeps its epoch and goes to
 *   UNREVOKED_PARTITIONS with those partitions pending revocation. It stays there until a heartbeat's
 *   owned partitions no longer list any of them (null owned partitions prove nothing).
 * - Then it moves to the target epoch and receives the target's partitions that are free. Partitions
 *   still owned by another member (their current epoch is set) are held back: the member is
 *   UNRELEASED_PARTITIONS until their owner revokes them, and gets them on a later heartbeat.
 * - With nothing left to revoke or wait for, the member is STABLE at the target epoch.
 * - Topics the member no longer subscribes to are never given to it, and what it holds of them is
 *   revoked at once, even while it is still revoking something else (Kafka's KAFKA-19431): a
 *   stale target must not hand a member a topic it has just unsubscribed from.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { type Assignment, addPartition } from './assignors/partition-assignor.js';
import { type ConsumerGroupMember, MemberState } from './consumer-group-member.js';

/** Owned partitions as a heartbeat reports them (null: unchanged since the last heartbeat). */
export type OwnedTopicPartitions = readonly { readonly topicId: string; readonly partitions: readonly number[] }[] | null;

export interface ReconciliationInput {
  readonly targetAssignmentEpoch: number;
  readonly targetAssignment: Assignment;
  /** Epoch of the member that currently owns the partition, or -1 if nobody does. */
  readonly currentPartitionEpoch: (topicId: string, partition: number) => number;
  readonly ownedTopicPartitions: OwnedTopicPartitions;
  /** Does the member (as updated by this heartbeat) subscribe to this topic? */
  readonly isSubscribedTo: (topicId: string) => boolean;
}

/** The member's next state, or the same object when it cannot move yet. */
export function reconcileMember(member: ConsumerGroupMember, input: ReconciliationInput): ConsumerGroupMember {
  switch (member.state) {
    case MemberState.STABLE:
      if (member.memberEpoch === input.targetAssignmentEpoch) return member;
      return computeNextAssignment(member, member.memberEpoch, input);
    case MemberState.UNREVOKED_PARTITIONS:
      if (ownsAnyOf(input.ownedTopicPartitions, member.partitionsPendingRevocation)) return revokeUnsubscribed(member, input.isSubscribedTo);
      return computeNextAssignment(member, member.memberEpoch, input);
    case MemberState.UNRELEASED_PARTITIONS:
      return computeNextAssignment(member, member.memberEpoch, input);
    default:
      // Written by a newer coordinator that was downgraded: start over from no partitions.
      if (input.ownedTopicPartitions === null || input.ownedTopicPartitions.length > 0) {
        throw new KafkaError(ErrorCode.FENCED_MEMBER_EPOCH,
          'The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.');
      }
      return computeNextAssignment(member, input.targetAssignmentEpoch, input);
  }
}

/** Does the heartbeat still report any of these partitions? Unknown (null) counts as yes. */
function ownsAnyOf(owned: OwnedTopicPartitions, partitions: Assignment): boolean {
  if (owned === null) return true;
  for (const { topicId, partitions: ownedPartitions } of owned) {
    const pending = partitions.get(topicId);
    if (pending === undefined) continue;
    for (const p of ownedPartitions) if (pending.has(p)) return true;
  }
  return false;
}

/** Moves the partitions of topics the member left into its pending revocations; the same member if there are none. */
function revokeUnsubscribed(member: ConsumerGroupMember, isSubscribedTo: (topicId: string) => boolean): ConsumerGroupMember {
  const unsubscribed = [...member.assignedPartitions.keys()].filter((topicId) => !isSubscribedTo(topicId));
  if (unsubscribed.length === 0) return member;
  const assigned = new Map(member.assignedPartitions);
  const pendingRevocation = new Map<string, Set<number>>();
  for (const [topicId, partitions] of member.partitionsPendingRevocation) for (const p of partitions) addPartition(pendingRevocation, topicId, p);
  for (const topicId of unsubscribed) {
    for (const p of assigned.get(topicId)!) addPartition(pendingRevocation, topicId, p);
    assigned.delete(topicId);
  }
  return { ...member, assignedPartitions: assigned, partitionsPendingRevocation: pendingRevocation };
}

function computeNextAssignment(member: ConsumerGroupMember, memberEpoch: number, input: ReconciliationInput): ConsumerGroupMember {
  const { targetAssignment, targetAssignmentEpoch, currentPartitionEpoch } = input;
  const assigned = new Map<string, Set<number>>();
  const pendingRevocation = new Map<string, Set<number>>();
  const pendingAssignment = new Map<string, Set<number>>();
  let hasUnreleasedPartitions = false;

  const topicIds = new Set([...targetAssignment.keys(), ...member.assignedPartitions.keys()]);
  for (const topicId of topicIds) {
    const target = input.isSubscribedTo(topicId) ? targetAssignment.get(topicId) : undefined;
    const current = member.assignedPartitions.get(topicId);
    const revoking = member.partitionsPendingRevocation.get(topicId);
    for (const p of current ?? []) {
      if (target?.has(p) === true) addPartition(assigned, topicId, p);
      else addPartition(pendingRevocation, topicId, p);
    }
    for (const p of target ?? []) {
      if (current?.has(p) === true) continue;
      // A partition this member is itself revoking is not someone else's: it may be taken back.
      if (currentPartitionEpoch(topicId, p) !== -1 && revoking?.has(p) !== true) hasUnreleasedPartitions = true;
      else addPartition(pendingAssignment, topicId, p);
    }
  }

  if (pendingRevocation.size > 0 && ownsAnyOf(input.ownedTopicPartitions, pendingRevocation)) {
    return {
      ...member,
      state: MemberState.UNREVOKED_PARTITIONS,
      ...epochs(member, memberEpoch),
      assignedPartitions: assigned,
      partitionsPendingRevocation: pendingRevocation,
    };
  }
  for (const [topicId, partitions] of pendingAssignment) for (const p of partitions) addPartition(assigned, topicId, p);
  return {
    ...member,
    state: hasUnreleasedPartitions ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
    ...epochs(member, targetAssignmentEpoch),
    assignedPartitions: assigned,
    partitionsPendingRevocation: new Map(),
  };
}

/** Kafka's Builder.updateMemberEpoch: the previous epoch is the one the member had. */
function epochs(member: ConsumerGroupMember, memberEpoch: number): { memberEpoch: number; previousMemberEpoch: number } {
  return { memberEpoch, previousMemberEpoch: member.memberEpoch };
}
