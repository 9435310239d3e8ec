/**
 * The `range` server assignor (Kafka 4.0's server-side RangeAssignor): each topic's partitions are
 * cut into contiguous ranges handed to its subscribers in a fixed member order, the first
 * (partitions mod subscribers) of them getting one more. With every member subscribed to the same
 * topics, members take the same range of every topic with the same partition count: topics that are
 * co-partitioned (same key → same partition number) are consumed together, which is what joins over
 * such topics need.
 *
 * The member order is the stickiness Kafka 4.0 offers: static members (KIP-345) first, by
 * group.instance.id, so a static member that restarts gets its old ranges back; then dynamic
 * members by member id. Like Kafka's, it does not otherwise look at the current assignment.
 */
import {
  type Assignment, type AssignmentMemberSpec, type GroupAssignmentSpec, type PartitionAssignor,
  type SubscribedTopicDescriber, requirePartitionCount,
} from './partition-assignor.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(group: GroupAssignmentSpec, topics: SubscribedTopicDescriber): Map<string, Assignment> {
    const members = [...group.members].sort(rangeOrder);
    const result = new Map<string, Map<string, Set<number>>>();
    const subscribers = new Map<string, AssignmentMemberSpec[]>();
    for (const member of members) {
      result.set(member.memberId, new Map());
      for (const topicId of member.subscribedTopicIds) {
        let list = subscribers.get(topicId);
        if (list === undefined) subscribers.set(topicId, (list = []));
        list.push(member);
      }
    }
    for (const [topicId, topicSubscribers] of subscribers) {
      const count = requirePartitionCount(topics, topicId);
      const minQuota = Math.floor(count / topicSubscribers.length);
      const extra = count % topicSubscribers.length;
      let start = 0;
      topicSubscribers.forEach((member, index) => {
        const end = start + minQuota + (index < extra ? 1 : 0);
        if (end > start) {
          const partitions = new Set<number>();
          for (let p = start; p < end; p++) partitions.add(p);
          result.get(member.memberId)!.set(topicId, partitions);
        }
        start = end;
      });
    }
    return result;
  }
}

/** Static members first by instance id, then dynamic members by member id (Kafka's sortMemberIds). */
function rangeOrder(a: AssignmentMemberSpec, b: AssignmentMemberSpec): number {
  if (a.instanceId !== null && b.instanceId !== null) return compare(a.instanceId, b.instanceId);
  if (a.instanceId !== null) return -1;
  if (b.instanceId !== null) return 1;
  return compare(a.memberId, b.memberId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
