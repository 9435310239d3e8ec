/**
 * PartitionAssignor: a server-side assignor of KIP-848 consumer groups (Kafka's
 * ConsumerGroupPartitionAssignor). Given every member's subscription (by topic id) and its current
 * target assignment, and the partition counts of the subscribed topics, it returns the next target
 * assignment of every member. The group coordinator runs it whenever the group epoch moves past
 * the target assignment epoch; members then reconcile towards the result (current-assignment-builder.ts).
 *
 * Invariants every assignor keeps: each partition of a subscribed topic goes to exactly one member,
 * and only to a member that subscribes to its topic. An assignment is a map from topic id to the
 * partitions of that topic; empty topics are left out.
 */

/** Topic id (base64url) → partition indexes. */
export type Assignment = ReadonlyMap<string, ReadonlySet<number>>;

export const EMPTY_ASSIGNMENT: Assignment = new Map();

export interface AssignmentMemberSpec {
  readonly memberId: string;
  /** group.instance.id of a static member (KIP-345), else null. */
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** Ids of the subscribed topics that exist. */
  readonly subscribedTopicIds: ReadonlySet<string>;
  /** The member's current target assignment: what a sticky assignor keeps where it can. */
  readonly assignment: Assignment;
}

export interface GroupAssignmentSpec {
  readonly members: readonly AssignmentMemberSpec[];
  /** Every member subscribes to the same topics (Kafka's SubscriptionType.HOMOGENEOUS). */
  readonly isHomogeneous: boolean;
}

export interface SubscribedTopicDescriber {
  /** Partition count of a subscribed topic, or -1 if the topic is unknown. */
  partitionCount(topicId: string): number;
}

export interface PartitionAssignor {
  /** The name members ask for in ConsumerGroupHeartbeat's ServerAssignor (`uniform`, `range`). */
  readonly name: string;
  /** The new target assignment of every member of the spec. Throws PartitionAssignorError. */
  assign(group: GroupAssignmentSpec, topics: SubscribedTopicDescriber): Map<string, Assignment>;
}

/** The assignment cannot be computed (Kafka's PartitionAssignorException); the heartbeat answers UNKNOWN_SERVER_ERROR. */
export class PartitionAssignorError extends Error {
  override readonly name = 'PartitionAssignorError';
}

/** Partition count of a subscribed topic; a topic missing from the metadata is an error, as in Kafka's assignors. */
export function requirePartitionCount(topics: SubscribedTopicDescriber, topicId: string): number {
  const count = topics.partitionCount(topicId);
  if (count < 0) {
    throw new PartitionAssignorError(`Members are subscribed to topic ${topicId} which doesn't exist in the topic metadata.`);
  }
  return count;
}

export function assignmentSize(assignment: Assignment): number {
  let size = 0;
  for (const partitions of assignment.values()) size += partitions.size;
  return size;
}

export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  if (a === b) return true;
  let topicsInA = 0;
  for (const [topicId, partitions] of a) {
    if (partitions.size === 0) continue;
    topicsInA++;
    const other = b.get(topicId);
    if (other === undefined || other.size !== partitions.size) return false;
    for (const p of partitions) if (!other.has(p)) return false;
  }
  let topicsInB = 0;
  for (const partitions of b.values()) if (partitions.size > 0) topicsInB++;
  return topicsInA === topicsInB;
}

/** The partitions of `a` not in `b`. */
export function assignmentMinus(a: Assignment, b: Assignment): Map<string, Set<number>> {
  const result = new Map<string, Set<number>>();
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    for (const p of partitions) {
      if (other?.has(p) === true) continue;
      addPartition(result, topicId, p);
    }
  }
  return result;
}

export function addPartition(assignment: Map<string, Set<number>>, topicId: string, partition: number): void {
  let partitions = assignment.get(topicId);
  if (partitions === undefined) {
    partitions = new Set();
    assignment.set(topicId, partitions);
  }
  partitions.add(partition);
}

export function removePartition(assignment: Map<string, Set<number>>, topicId: string, partition: number): void {
  const partitions = assignment.get(topicId);
  if (partitions === undefined) return;
  partitions.delete(partition);
  if (partitions.size === 0) assignment.delete(topicId);
}

/** The wire and record shape: one entry per topic, partitions ascending, topics in id order. */
export function assignmentToTopicPartitions(assignment: Assignment): { topicId: string; partitions: number[] }[] {
  const topicIds = [...assignment.keys()].sort();
  const result: { topicId: string; partitions: number[] }[] = [];
  for (const topicId of topicIds) {
    const partitions = assignment.get(topicId);
    if (partitions === undefined || partitions.size === 0) continue;
    result.push({ topicId, partitions: [...partitions].sort((x, y) => x - y) });
  }
  return result;
}

export function assignmentFromTopicPartitions(
  topics: readonly { readonly topicId: string; readonly partitions: readonly number[] }[],
): Assignment {
  const result = new Map<string, Set<number>>();
  for (const { topicId, partitions } of topics) {
    for (const p of partitions) addPartition(result, topicId, p);
  }
  return result;
}
