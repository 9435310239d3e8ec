/**
 * The next target assignment of a consumer group (Kafka's TargetAssignmentBuilder): the group's
 * members with one member added, changed or replaced, handed to the chosen assignor together with
 * their current target assignments (for stickiness) and the subscription metadata; the result is
 * expressed as the records that move the stored target to it — one ConsumerGroupTargetAssignmentMember
 * per member whose target changed, then ConsumerGroupTargetAssignmentMetadata with the new epoch.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type Assignment, type AssignmentMemberSpec, EMPTY_ASSIGNMENT, type PartitionAssignor, PartitionAssignorError,
  assignmentToTopicPartitions, assignmentsEqual,
} from './assignors/partition-assignor.js';
import type { ConsumerGroup, SubscriptionMetadata } from './consumer-group.js';
import type { ConsumerGroupMember } from './consumer-group-member.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import { hasRegex } from './subscription-regex.js';

export interface TargetAssignmentInput {
  readonly group: ConsumerGroup;
  readonly groupEpoch: number;
  readonly assignor: PartitionAssignor;
  /** The member as the heartbeat leaves it; it replaces the group's member of the same id or instance id. */
  readonly updatedMember: ConsumerGroupMember;
  readonly subscriptionMetadata: SubscriptionMetadata;
  /** Topic names a regex subscription matches now. */
  readonly resolveRegex: (regex: string) => readonly string[];
}

export interface TargetAssignmentResult {
  readonly records: CoordinatorRecord[];
  /** The updated member's new target. */
  readonly memberTarget: Assignment;
}

export function buildTargetAssignment(input: TargetAssignmentInput): TargetAssignmentResult {
  const { group, updatedMember, subscriptionMetadata, resolveRegex } = input;
  // A static member rejoining under a new member id takes the place (and target) of the old one.
  const replacedMemberId = group.staticMemberId(updatedMember.instanceId);
  const specs: AssignmentMemberSpec[] = [];
  for (const member of group.members.values()) {
    if (member.memberId === updatedMember.memberId || member.memberId === replacedMemberId) continue;
    specs.push(memberSpec(member, group.targetAssignment(member.memberId), subscriptionMetadata, resolveRegex));
  }
  const previousTarget = group.targetAssignments.get(updatedMember.memberId)
    ?? (replacedMemberId === undefined ? EMPTY_ASSIGNMENT : group.targetAssignment(replacedMemberId));
  specs.push(memberSpec(updatedMember, previousTarget, subscriptionMetadata, resolveRegex));

  const partitionCounts = new Map<string, number>();
  for (const topic of subscriptionMetadata.values()) partitionCounts.set(topic.topicId, topic.partitionCount);
  let assignments: Map<string, Assignment>;
  try {
    assignments = input.assignor.assign(
      { members: specs, isHomogeneous: isHomogeneous(specs) },
      { partitionCount: (topicId) => partitionCounts.get(topicId) ?? -1 },
    );
  } catch (err) {
    if (!(err instanceof PartitionAssignorError)) throw err;
    throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR,
      `Failed to compute a new target assignment for epoch ${input.groupEpoch}: ${err.message}`);
  }

  const records: CoordinatorRecord[] = [];
  for (const spec of specs) {
    const target = assignments.get(spec.memberId) ?? EMPTY_ASSIGNMENT;
    const stored = group.targetAssignments.get(spec.memberId);
    if (stored !== undefined && assignmentsEqual(stored, target)) continue;
    records.push({
      type: 'consumer-group-target-assignment-member',
      groupId: group.groupId,
      memberId: spec.memberId,
      value: { topicPartitions: assignmentToTopicPartitions(target) },
    });
  }
  records.push({ type: 'consumer-group-target-assignment-metadata', groupId: group.groupId, value: { assignmentEpoch: input.groupEpoch } });
  return { records, memberTarget: assignments.get(updatedMember.memberId) ?? EMPTY_ASSIGNMENT };
}

/**
 * Kafka's SubscriptionType.HOMOGENEOUS: every member subscribes to the same topics. Decided from the
 * resolved topic ids, so names of missing topics or a regex overlapping names cannot mislead it.
 */
function isHomogeneous(specs: readonly AssignmentMemberSpec[]): boolean {
  const first = specs[0]?.subscribedTopicIds;
  if (first === undefined) return true;
  return specs.every((s) => s.subscribedTopicIds.size === first.size && [...s.subscribedTopicIds].every((t) => first.has(t)));
}

function memberSpec(
  member: ConsumerGroupMember,
  target: Assignment,
  subscription: SubscriptionMetadata,
  resolveRegex: (regex: string) => readonly string[],
): AssignmentMemberSpec {
  const subscribedTopicIds = new Set<string>();
  const names = hasRegex(member.subscribedTopicRegex)
    ? [...member.subscribedTopicNames, ...resolveRegex(member.subscribedTopicRegex)]
    : member.subscribedTopicNames;
  for (const name of names) {
    const topic = subscription.get(name);
    if (topic !== undefined) subscribedTopicIds.add(topic.topicId);
  }
  return {
    memberId: member.memberId,
    instanceId: member.instanceId,
    rackId: member.rackId,
    subscribedTopicIds,
    assignment: target,
  };
}
