/**
 * Shared fixtures of the assignor tests: group specs built from plain objects, checks of the
 * invariants every server assignor keeps, and fast-check arbitraries of groups.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type {
  Assignment, AssignmentMemberSpec, GroupAssignmentSpec, SubscribedTopicDescriber,
} from '../../../src/coordinator/group/assignors/partition-assignor.js';

export interface MemberInput {
  readonly id: string;
  readonly topics: readonly string[];
  readonly instanceId?: string;
  readonly owned?: Readonly<Record<string, readonly number[]>>;
}

export function toAssignment(owned: Readonly<Record<string, readonly number[]>> | undefined): Assignment {
  return new Map(Object.entries(owned ?? {}).map(([topicId, partitions]) => [topicId, new Set(partitions)]));
}

export function spec(members: readonly MemberInput[]): GroupAssignmentSpec {
  const specs: AssignmentMemberSpec[] = members.map((m) => ({
    memberId: m.id,
    instanceId: m.instanceId ?? null,
    rackId: null,
    subscribedTopicIds: new Set(m.topics),
    assignment: toAssignment(m.owned),
  }));
  const first = [...(specs[0]?.subscribedTopicIds ?? [])].sort().join(',');
  const isHomogeneous = specs.every((s) => [...s.subscribedTopicIds].sort().join(',') === first);
  return { members: specs, isHomogeneous };
}

export function describer(partitionCounts: Readonly<Record<string, number>>): SubscribedTopicDescriber {
  return { partitionCount: (topicId) => partitionCounts[topicId] ?? -1 };
}

/** A result as plain sorted arrays, for deepEqual. */
export function plain(result: ReadonlyMap<string, Assignment>): Record<string, Record<string, number[]>> {
  const out: Record<string, Record<string, number[]>> = {};
  for (const [memberId, assignment] of [...result].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const topics: Record<string, number[]> = {};
    for (const [topicId, partitions] of [...assignment].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (partitions.size > 0) topics[topicId] = [...partitions].sort((x, y) => x - y);
    }
    out[memberId] = topics;
  }
  return out;
}

export function total(assignment: Assignment | undefined): number {
  let n = 0;
  for (const partitions of assignment?.values() ?? []) n += partitions.size;
  return n;
}

/** Every partition of a subscribed topic goes to exactly one member, and only to a subscriber. */
export function assertCompleteAndExclusive(
  group: GroupAssignmentSpec,
  partitionCounts: Readonly<Record<string, number>>,
  result: ReadonlyMap<string, Assignment>,
): void {
  const owners = new Map<string, string>();
  for (const member of group.members) {
    const assignment = result.get(member.memberId);
    assert.ok(assignment !== undefined, `member ${member.memberId} has an entry`);
    for (const [topicId, partitions] of assignment) {
      for (const p of partitions) {
        assert.ok(member.subscribedTopicIds.has(topicId), `${member.memberId} got ${topicId}-${p} without subscribing`);
        assert.ok(p >= 0 && p < partitionCounts[topicId]!, `${topicId}-${p} exists`);
        const key = `${topicId}-${p}`;
        assert.equal(owners.get(key), undefined, `${key} assigned twice`);
        owners.set(key, member.memberId);
      }
    }
  }
  const subscribed = new Set(group.members.flatMap((m) => [...m.subscribedTopicIds]));
  for (const topicId of subscribed) {
    for (let p = 0; p < partitionCounts[topicId]!; p++) assert.ok(owners.has(`${topicId}-${p}`), `${topicId}-${p} assigned`);
  }
}

/** Among a topic's subscribers, partition counts of that topic differ by at most one. */
export function assertBalancedPerTopic(group: GroupAssignmentSpec, result: ReadonlyMap<string, Assignment>): void {
  const subscribed = new Set(group.members.flatMap((m) => [...m.subscribedTopicIds]));
  for (const topicId of subscribed) {
    const counts = group.members.filter((m) => m.subscribedTopicIds.has(topicId))
      .map((m) => result.get(m.memberId)?.get(topicId)?.size ?? 0);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${topicId} split ${counts.join('/')}`);
  }
}

export function assertBalancedTotals(group: GroupAssignmentSpec, result: ReadonlyMap<string, Assignment>): void {
  const totals = group.members.map((m) => total(result.get(m.memberId)));
  assert.ok(Math.max(...totals) - Math.min(...totals) <= 1, `totals ${totals.join('/')}`);
}

export interface GroupCase {
  readonly partitionCounts: Record<string, number>;
  readonly members: MemberInput[];
}

/**
 * A group of 1-8 members over 1-5 topics of 1-12 partitions, subscribing to all topics or to random
 * non-empty subsets, each claiming a random (possibly stale, possibly overlapping) current assignment.
 */
export function groupCase(options: { homogeneous: boolean }): fc.Arbitrary<GroupCase> {
  return fc.record({
    counts: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }),
    memberCount: fc.integer({ min: 1, max: 8 }),
    seed: fc.array(fc.array(fc.nat(), { minLength: 10, maxLength: 10 }), { minLength: 8, maxLength: 8 }),
  }).map(({ counts, memberCount, seed }) => {
    const topicIds = counts.map((_, i) => `topic${i}`);
    const partitionCounts = Object.fromEntries(topicIds.map((t, i) => [t, counts[i]!]));
    const members: MemberInput[] = [];
    for (let i = 0; i < memberCount; i++) {
      const bits = seed[i]!;
      const topics = options.homogeneous ? topicIds : topicIds.filter((_, t) => bits[t]! % 2 === 0);
      if (topics.length === 0) topics.push(topicIds[bits[0]! % topicIds.length]!);
      const owned: Record<string, number[]> = {};
      topicIds.forEach((t, ti) => {
        const partitions = [...Array(counts[ti]! + 1).keys()].filter((p) => (bits[(p + ti) % 10]! >> (p % 4)) % 3 === 0);
        if (partitions.length > 0) owned[t] = partitions;
      });
      members.push({ id: `m${i}`, topics, owned });
    }
    return { partitionCounts, members };
  });
}

/** The same members, claiming the assignment the assignor just gave them. */
export function withOwned(members: readonly MemberInput[], result: ReadonlyMap<string, Assignment>): MemberInput[] {
  return members.map((m) => ({ ...m, owned: plain(new Map([[m.id, result.get(m.id)!]]))[m.id] }));
}
