/**
 * ConsumerGroupMember: one member of a KIP-848 consumer group, as an immutable value (a change makes
 * a new member, so the coordinator can compare before and after to decide which records to write).
 *
 * Two records persist it: ConsumerGroupMemberMetadata (who it is and what it subscribes to:
 * instance id, rack, client, subscription, rebalance timeout, server assignor) and
 * ConsumerGroupCurrentMemberAssignment (where it is in the reconciliation: member epoch, previous
 * epoch, state, the partitions it owns and those it must still revoke).
 *
 * Epochs: 0 before the first assignment; -1 once fenced (its current assignment tombstoned); -2 while
 * a static member is away (it left with epoch -2 and may come back within its session, KIP-345).
 */
import type {
  ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupDescribeResponseMember, ConsumerGroupMemberMetadataValue,
} from '../../protocol/generated/index.js';
import {
  type Assignment, EMPTY_ASSIGNMENT, assignmentFromTopicPartitions, assignmentToTopicPartitions, assignmentsEqual,
} from './assignors/partition-assignor.js';
import type { CoordinatorRecord } from './coordinator-record.js';

/** Kafka's MemberState, by the byte the current-assignment record stores. */
export const MemberState = {
  /** Owns exactly its target assignment of its epoch. */
  STABLE: 0,
  /** Must revoke `partitionsPendingRevocation` before it can move to the next epoch. */
  UNREVOKED_PARTITIONS: 1,
  /** Waits for partitions of its target that other members have not released yet. */
  UNRELEASED_PARTITIONS: 2,
  /** A state written by a newer coordinator; the member is reconciled from scratch. */
  UNKNOWN: 127,
} as const;
export type MemberStateValue = (typeof MemberState)[keyof typeof MemberState];

export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberStateValue;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** How long the member may take to revoke partitions before it is fenced; -1 until it joins. */
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  /** The server assignor the member asked for, or null. */
  readonly serverAssignor: string | null;
  readonly assignedPartitions: Assignment;
  readonly partitionsPendingRevocation: Assignment;
}

export function newConsumerGroupMember(memberId: string): ConsumerGroupMember {
  return {
    memberId,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: MemberState.STABLE,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    clientId: '',
    clientHost: '',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    assignedPartitions: EMPTY_ASSIGNMENT,
    partitionsPendingRevocation: EMPTY_ASSIGNMENT,
  };
}

/** Has the member reached the target assignment of this epoch? */
export function isReconciledTo(member: ConsumerGroupMember, targetAssignmentEpoch: number): boolean {
  return member.state === MemberState.STABLE && member.memberEpoch === targetAssignmentEpoch;
}

export function memberStateOf(value: number): MemberStateValue {
  switch (value) {
    case MemberState.STABLE:
    case MemberState.UNREVOKED_PARTITIONS:
    case MemberState.UNRELEASED_PARTITIONS:
      return value;
    default:
      return MemberState.UNKNOWN;
  }
}

/** Do the parts the member-metadata record persists differ? */
export function hasMetadataChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.instanceId !== b.instanceId || a.rackId !== b.rackId || a.clientId !== b.clientId
    || a.clientHost !== b.clientHost || a.rebalanceTimeoutMs !== b.rebalanceTimeoutMs
    || a.serverAssignor !== b.serverAssignor || a.subscribedTopicRegex !== b.subscribedTopicRegex
    || !sameStrings(a.subscribedTopicNames, b.subscribedTopicNames);
}

export function hasSubscriptionChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.subscribedTopicRegex !== b.subscribedTopicRegex || !sameStrings(a.subscribedTopicNames, b.subscribedTopicNames);
}

/** Do the parts the current-assignment record persists differ? */
export function hasAssignmentStateChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.memberEpoch !== b.memberEpoch || a.previousMemberEpoch !== b.previousMemberEpoch || a.state !== b.state
    || !assignmentsEqual(a.assignedPartitions, b.assignedPartitions)
    || !assignmentsEqual(a.partitionsPendingRevocation, b.partitionsPendingRevocation);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

export function memberMetadataValue(member: ConsumerGroupMember): ConsumerGroupMemberMetadataValue {
  return {
    instanceId: member.instanceId,
    rackId: member.rackId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopicNames: [...member.subscribedTopicNames],
    subscribedTopicRegex: member.subscribedTopicRegex,
    rebalanceTimeoutMs: member.rebalanceTimeoutMs,
    serverAssignor: member.serverAssignor,
    classicMemberMetadata: null,
  };
}

export function currentAssignmentValue(member: ConsumerGroupMember): ConsumerGroupCurrentMemberAssignmentValue {
  return {
    memberEpoch: member.memberEpoch,
    previousMemberEpoch: member.previousMemberEpoch,
    state: member.state,
    assignedPartitions: assignmentToTopicPartitions(member.assignedPartitions),
    partitionsPendingRevocation: assignmentToTopicPartitions(member.partitionsPendingRevocation),
  };
}

/** Current assignment first, then target, then member: replay checks nothing, but Kafka's order is kept. */
export function memberTombstones(groupId: string, memberId: string): CoordinatorRecord[] {
  return [
    { type: 'consumer-group-current-member-assignment', groupId, memberId, value: null },
    { type: 'consumer-group-target-assignment-member', groupId, memberId, value: null },
    { type: 'consumer-group-member-metadata', groupId, memberId, value: null },
  ];
}

export function memberMetadataRecord(groupId: string, member: ConsumerGroupMember): CoordinatorRecord {
  return { type: 'consumer-group-member-metadata', groupId, memberId: member.memberId, value: memberMetadataValue(member) };
}

export function currentAssignmentRecord(groupId: string, member: ConsumerGroupMember): CoordinatorRecord {
  return { type: 'consumer-group-current-member-assignment', groupId, memberId: member.memberId, value: currentAssignmentValue(member) };
}

export function withMetadata(member: ConsumerGroupMember, value: ConsumerGroupMemberMetadataValue): ConsumerGroupMember {
  return {
    ...member,
    instanceId: value.instanceId,
    rackId: value.rackId,
    clientId: value.clientId,
    clientHost: value.clientHost,
    subscribedTopicNames: [...value.subscribedTopicNames],
    subscribedTopicRegex: value.subscribedTopicRegex,
    rebalanceTimeoutMs: value.rebalanceTimeoutMs,
    serverAssignor: value.serverAssignor,
  };
}

export function withCurrentAssignment(member: ConsumerGroupMember, value: ConsumerGroupCurrentMemberAssignmentValue): ConsumerGroupMember {
  return {
    ...member,
    memberEpoch: value.memberEpoch,
    previousMemberEpoch: value.previousMemberEpoch,
    state: memberStateOf(value.state),
    assignedPartitions: assignmentFromTopicPartitions(value.assignedPartitions),
    partitionsPendingRevocation: assignmentFromTopicPartitions(value.partitionsPendingRevocation),
  };
}

/** ConsumerGroupDescribe's view of the member; topic names come from the caller (null if deleted). */
export function describeMember(
  member: ConsumerGroupMember,
  targetAssignment: Assignment,
  topicName: (topicId: string) => string | undefined,
): ConsumerGroupDescribeResponseMember {
  const describe = (assignment: Assignment): { topicPartitions: { topicId: string; topicName: string; partitions: number[] }[] } => ({
    topicPartitions: assignmentToTopicPartitions(assignment).flatMap(({ topicId, partitions }) => {
      const name = topicName(topicId);
      // Kafka leaves out partitions of topics that no longer exist.
      return name === undefined ? [] : [{ topicId, topicName: name, partitions }];
    }),
  });
  return {
    memberId: member.memberId,
    instanceId: member.instanceId,
    rackId: member.rackId,
    memberEpoch: member.memberEpoch,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopicNames: [...member.subscribedTopicNames],
    subscribedTopicRegex: member.subscribedTopicRegex,
    assignment: describe(member.assignedPartitions),
    targetAssignment: describe(targetAssignment),
  };
}
