/**
 * The `uniform` server assignor (Kafka's UniformAssignor, the default of `group.consumer.assignors`):
 * spreads partitions evenly over the members and keeps every member's current partitions where the
 * balance allows, so a rebalance moves as few partitions as it can.
 *
 * Homogeneous groups (every member subscribes to the same topics), as Kafka's
 * UniformHomogeneousAssignmentBuilder: the partitions of all subscribed topics are pooled; each member
 * gets ⌊N/M⌋ of them and N mod M members one more. The extra slots go to the members that already
 * hold the most, each member keeps up to its quota of what it holds, and the rest is dealt round-robin
 * to the members below quota. Member totals differ by at most one.
 *
 * Heterogeneous groups, a simpler scheme than Kafka's UniformHeterogeneousAssignmentBuilder with the
 * same goals: each topic is split among its own subscribers so their shares differ by at most one
 * (extra partitions staying with the members that hold them), new partitions going to the least
 * loaded subscriber; then a balancing pass moves partitions from members carrying two or more than
 * another to that member, only between two subscribers of the topic and only where the topic's split
 * stays within one, preferring partitions the receiver held before or the giver has just received.
 */
import {
  type Assignment, type AssignmentMemberSpec, type GroupAssignmentSpec, type PartitionAssignor,
  PartitionAssignorError, type SubscribedTopicDescriber, addPartition, removePartition, requirePartitionCount,
} from './partition-assignor.js';

export class UniformAssignor implements PartitionAssignor {
  readonly name = 'uniform';

  assign(group: GroupAssignmentSpec, topics: SubscribedTopicDescriber): Map<string, Assignment> {
    if (group.members.length === 0) return new Map();
    const members = [...group.members].sort(byMemberId);
    return group.isHomogeneous ? assignHomogeneous(members, topics) : assignHeterogeneous(members, topics);
  }
}

function byMemberId(a: AssignmentMemberSpec, b: AssignmentMemberSpec): number {
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

/** Partitions a member may keep: its current ones of the given topics that still exist, ascending. */
function heldPartitions(member: AssignmentMemberSpec, partitionCounts: ReadonlyMap<string, number>): [string, number][] {
  const held: [string, number][] = [];
  for (const [topicId, partitions] of member.assignment) {
    const count = partitionCounts.get(topicId);
    if (count === undefined || !member.subscribedTopicIds.has(topicId)) continue;
    for (const p of [...partitions].sort((a, b) => a - b)) if (p < count) held.push([topicId, p]);
  }
  return held;
}

interface MemberQuota {
  readonly memberId: string;
  readonly target: Map<string, Set<number>>;
  remaining: number;
}

function assignHomogeneous(members: readonly AssignmentMemberSpec[], topics: SubscribedTopicDescriber): Map<string, Assignment> {
  const topicIds = [...members[0]!.subscribedTopicIds].sort();
  const partitionCounts = new Map<string, number>();
  let total = 0;
  for (const topicId of topicIds) {
    const count = requirePartitionCount(topics, topicId);
    partitionCounts.set(topicId, count);
    total += count;
  }

  // Members holding the most get the extra slots, so a balanced assignment stays exactly as it is.
  const held = members.map((member) => ({ member, partitions: heldPartitions(member, partitionCounts) }));
  held.sort((a, b) => b.partitions.length - a.partitions.length || byMemberId(a.member, b.member));
  const minQuota = Math.floor(total / members.length);
  const extraSlots = total % members.length;

  const kept = new Map<string, Set<number>>();
  const quotas: MemberQuota[] = [];
  held.forEach(({ member, partitions }, rank) => {
    const quota = minQuota + (rank < extraSlots ? 1 : 0);
    const target = new Map<string, Set<number>>();
    let count = 0;
    for (const [topicId, p] of partitions) {
      if (count === quota) break;
      if (kept.get(topicId)?.has(p) === true) continue;
      addPartition(target, topicId, p);
      addPartition(kept, topicId, p);
      count++;
    }
    quotas.push({ memberId: member.memberId, target, remaining: quota - count });
  });

  const unassigned: [string, number][] = [];
  for (const topicId of topicIds) {
    const keptOfTopic = kept.get(topicId);
    for (let p = 0; p < partitionCounts.get(topicId)!; p++) if (keptOfTopic?.has(p) !== true) unassigned.push([topicId, p]);
  }
  dealRoundRobin(unassigned, quotas.filter((q) => q.remaining > 0));

  const result = new Map<string, Assignment>();
  for (const q of quotas) result.set(q.memberId, q.target);
  return result;
}

/** Deals partitions one at a time to members with room left, in turn, so each topic spreads across them. */
function dealRoundRobin(partitions: readonly [string, number][], open: MemberQuota[]): void {
  let cursor = 0;
  for (const [topicId, p] of partitions) {
    if (open.length === 0) throw new PartitionAssignorError('Partitions were left unassigned');
    const member = open[cursor]!;
    addPartition(member.target, topicId, p);
    member.remaining--;
    if (member.remaining === 0) open.splice(cursor, 1);
    else cursor++;
    if (cursor >= open.length) cursor = 0;
  }
}

class HeterogeneousAssignment {
  readonly targets = new Map<string, Map<string, Set<number>>>();
  readonly loads = new Map<string, number>();
  readonly subscribers = new Map<string, AssignmentMemberSpec[]>();
  readonly partitionCounts = new Map<string, number>();

  constructor(readonly members: readonly AssignmentMemberSpec[], topics: SubscribedTopicDescriber) {
    for (const member of members) {
      this.targets.set(member.memberId, new Map());
      this.loads.set(member.memberId, 0);
      for (const topicId of member.subscribedTopicIds) {
        if (!this.partitionCounts.has(topicId)) this.partitionCounts.set(topicId, requirePartitionCount(topics, topicId));
        let list = this.subscribers.get(topicId);
        if (list === undefined) this.subscribers.set(topicId, (list = []));
        list.push(member);
      }
    }
  }

  load(memberId: string): number {
    return this.loads.get(memberId)!;
  }

  countOf(memberId: string, topicId: string): number {
    return this.targets.get(memberId)!.get(topicId)?.size ?? 0;
  }

  give(memberId: string, topicId: string, p: number): void {
    addPartition(this.targets.get(memberId)!, topicId, p);
    this.loads.set(memberId, this.load(memberId) + 1);
  }

  take(memberId: string, topicId: string, p: number): void {
    removePartition(this.targets.get(memberId)!, topicId, p);
    this.loads.set(memberId, this.load(memberId) - 1);
  }

  /** Topics with the most partitions per subscriber first, as Kafka orders them: they are the hardest to balance. */
  topicOrder(): string[] {
    const density = (topicId: string): number => this.partitionCounts.get(topicId)! / this.subscribers.get(topicId)!.length;
    return [...this.subscribers.keys()].sort((a, b) =>
      density(b) - density(a) || this.subscribers.get(a)!.length - this.subscribers.get(b)!.length || (a < b ? -1 : a > b ? 1 : 0));
  }

  assignTopic(topicId: string): void {
    const subscribers = this.subscribers.get(topicId)!;
    const count = this.partitionCounts.get(topicId)!;
    const heldOf = (m: AssignmentMemberSpec): number[] =>
      [...(m.assignment.get(topicId) ?? [])].filter((p) => p < count).sort((a, b) => a - b);
    const ranked = subscribers.map((member) => ({ member, held: heldOf(member) }));
    ranked.sort((a, b) => b.held.length - a.held.length || this.load(a.member.memberId) - this.load(b.member.memberId)
      || byMemberId(a.member, b.member));

    const minQuota = Math.floor(count / subscribers.length);
    const extraSlots = count % subscribers.length;
    const kept = new Set<number>();
    const remaining = new Map<string, number>();
    ranked.forEach(({ member, held }, rank) => {
      let quota = minQuota + (rank < extraSlots ? 1 : 0);
      for (const p of held) {
        if (quota === 0) break;
        if (kept.has(p)) continue;
        kept.add(p);
        this.give(member.memberId, topicId, p);
        quota--;
      }
      remaining.set(member.memberId, quota);
    });

    for (let p = 0; p < count; p++) {
      if (kept.has(p)) continue;
      const receiver = this.leastLoaded(subscribers, (m) => remaining.get(m.memberId)! > 0);
      if (receiver === undefined) throw new PartitionAssignorError('Partitions were left unassigned');
      this.give(receiver.memberId, topicId, p);
      remaining.set(receiver.memberId, remaining.get(receiver.memberId)! - 1);
    }
  }

  private leastLoaded(candidates: readonly AssignmentMemberSpec[], eligible: (m: AssignmentMemberSpec) => boolean): AssignmentMemberSpec | undefined {
    let best: AssignmentMemberSpec | undefined;
    for (const m of candidates) {
      if (!eligible(m)) continue;
      if (best === undefined || this.load(m.memberId) < this.load(best.memberId)) best = m;
    }
    return best;
  }

  /**
   * Moves one partition from a member carrying at least two more than another to it, where both
   * subscribe to its topic and the giver has more of that topic. Returns false when no move exists.
   */
  moveOnePartition(): boolean {
    const byLoad = [...this.members].sort((a, b) => this.load(a.memberId) - this.load(b.memberId) || byMemberId(a, b));
    for (let gi = byLoad.length - 1; gi > 0; gi--) {
      const giver = byLoad[gi]!;
      for (let ri = 0; ri < gi; ri++) {
        const receiver = byLoad[ri]!;
        if (this.load(giver.memberId) - this.load(receiver.memberId) < 2) break;
        const move = this.bestMove(giver, receiver);
        if (move === undefined) continue;
        this.take(giver.memberId, move[0], move[1]);
        this.give(receiver.memberId, move[0], move[1]);
        return true;
      }
    }
    return false;
  }

  /** Prefers handing back a partition the receiver held, then one the giver did not hold before. */
  private bestMove(giver: AssignmentMemberSpec, receiver: AssignmentMemberSpec): [string, number] | undefined {
    let best: [string, number] | undefined;
    let bestScore = -1;
    for (const [topicId, partitions] of this.targets.get(giver.memberId)!) {
      if (!receiver.subscribedTopicIds.has(topicId)) continue;
      if (this.countOf(giver.memberId, topicId) <= this.countOf(receiver.memberId, topicId)) continue;
      for (const p of partitions) {
        const score = receiver.assignment.get(topicId)?.has(p) === true ? 2 : giver.assignment.get(topicId)?.has(p) === true ? 0 : 1;
        if (score > bestScore) {
          best = [topicId, p];
          bestScore = score;
        }
      }
      if (bestScore === 2) break;
    }
    return best;
  }
}

function assignHeterogeneous(members: readonly AssignmentMemberSpec[], topics: SubscribedTopicDescriber): Map<string, Assignment> {
  const state = new HeterogeneousAssignment(members, topics);
  let total = 0;
  for (const topicId of state.topicOrder()) {
    state.assignTopic(topicId);
    total += state.partitionCounts.get(topicId)!;
  }
  // Each move lowers the sum of squared loads, so this ends; the bound only guards against a bug.
  for (let moves = 0; moves < total * total + 1 && state.moveOnePartition(); moves++);
  return state.targets;
}
