/**
 * What the group-interop scenarios check, over members' reports and the broker's view:
 * - a settled assignment: every live member has reported one, together they cover each partition
 *   exactly once with the expected sizes, and the coordinator describes the same assignments in a
 *   Stable group (DescribeGroups, or ConsumerGroupDescribe for KIP-848);
 * - every produced record was processed by some member, with the value produced at that offset;
 * - nothing was committed past what was processed: below each committed offset, every offset of
 *   that partition was reported processed before the commit.
 */
import assert from 'node:assert/strict';
import { type DescribedGroup, type ProducedRecord, describeClassicGroup, describeConsumerGroup } from './groups-broker-view.js';
import { type GroupMember, waitUntil } from './groups-member.js';

export interface GroupUnderTest {
  readonly port: number;
  readonly groupId: string;
  readonly topic: string;
  readonly partitionCount: number;
  readonly groupProtocol: 'classic' | 'consumer';
}

const sortedNumbers = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/**
 * Members' own reports: each partition owned exactly once, with these assignment sizes. With
 * `isSilentWhenIdle`, a member that never reported counts as owning nothing: librdkafka's KIP-848
 * consumer calls no rebalance callback for an assignment that stays empty (the coordinator's view,
 * checked beside this, then shows whether it really is an idle member).
 */
export function isSpread(members: readonly GroupMember[], partitionCount: number, sizes: readonly number[], isSilentWhenIdle = false): boolean {
  if (!isSilentWhenIdle && members.some((m) => m.assignment === null)) return false;
  const assignments = members.map((m) => m.assignment ?? []);
  const owned = assignments.flat();
  if (owned.length !== partitionCount || new Set(owned).size !== partitionCount) return false;
  return JSON.stringify(sortedNumbers(assignments.map((a) => a.length))) === JSON.stringify(sortedNumbers(sizes));
}

function assignmentsKey(assignments: readonly (readonly number[])[]): string {
  return JSON.stringify(assignments.map((a) => JSON.stringify(sortedNumbers(a))).sort());
}

export function describeGroup(group: GroupUnderTest): Promise<DescribedGroup> {
  return group.groupProtocol === 'consumer'
    ? describeConsumerGroup(group.port, group.groupId, group.topic)
    : describeClassicGroup(group.port, group.groupId, group.topic);
}

/**
 * Waits until `members` (the live ones) report assignments of `sizes` that cover every partition
 * and the coordinator, Stable, describes exactly these members with exactly these assignments.
 */
export async function settle(what: string, group: GroupUnderTest, members: readonly GroupMember[], sizes: readonly number[], timeoutMs = 30_000): Promise<DescribedGroup> {
  let view: DescribedGroup | null = null;
  await waitUntil(what, members, async () => {
    if (!isSpread(members, group.partitionCount, sizes, group.groupProtocol === 'consumer')) return false;
    // A member whose assignment is the same in two generations (an idle one) may not have heard of the newer yet.
    if (group.groupProtocol !== 'consumer' && new Set(members.map((m) => m.generationId).filter((g) => g !== null)).size > 1) return false;
    view = await describeGroup(group);
    return view.state === 'Stable' && view.members.length === members.length &&
      assignmentsKey(view.members.map((m) => m.partitions)) === assignmentsKey(members.map((m) => m.assignment ?? []));
  }, timeoutMs);
  return view!;
}

/** Eager clients re-sync every member at each rebalance: all report the same generation. */
export function assertOneGeneration(members: readonly GroupMember[]): void {
  const generations = members.map((m) => m.generationId);
  if (generations.some((g) => g === null)) return;
  assert.equal(new Set(generations).size, 1, `members report one generation: ${generations.join(',')}`);
}

const position = (partition: number, offset: number): string => `${partition}:${offset}`;

/** Every processed record's value by position, across `members`, checked against what was produced there. */
export function processedPositions(members: readonly GroupMember[], produced: readonly ProducedRecord[]): Set<string> {
  const values = new Map(produced.map((r) => [position(r.partition, r.offset), r.value]));
  const seen = new Set<string>();
  for (const m of members) {
    for (const r of m.processed) {
      const at = position(r.partition, r.offset);
      assert.equal(r.value, values.get(at), `${m.name} processed ${at} with the value produced there`);
      seen.add(at);
    }
  }
  return seen;
}

export function hasProcessedAll(members: readonly GroupMember[], records: readonly ProducedRecord[]): boolean {
  const seen = new Set(members.flatMap((m) => m.processed.map((r) => position(r.partition, r.offset))));
  return records.every((r) => seen.has(position(r.partition, r.offset)));
}

export function assertProcessedAll(members: readonly GroupMember[], produced: readonly ProducedRecord[], records: readonly ProducedRecord[], label: string): void {
  const seen = processedPositions(members, produced);
  const missed = records.filter((r) => !seen.has(position(r.partition, r.offset)));
  assert.deepEqual(missed.slice(0, 10), [], `${label}: ${missed.length} of ${records.length} records never processed`);
}

/** Below each partition's committed offset, every record was reported processed by some member. */
export function assertCommittedOnlyProcessed(committed: ReadonlyMap<number, number>, members: readonly GroupMember[], produced: readonly ProducedRecord[], label: string): void {
  const seen = processedPositions(members, produced);
  for (const [partition, offset] of committed) {
    for (let o = 0; o < offset; o++) {
      assert.ok(seen.has(position(partition, o)), `${label}: partition ${partition} committed at ${offset}, but offset ${o} was never processed`);
    }
  }
}

/** Per partition, the highest offset any of `members` reported committing. */
export function reportedCommits(members: readonly GroupMember[]): Map<number, number> {
  const latest = new Map<number, number>();
  for (const m of members) for (const [p, o] of m.committed) latest.set(p, Math.max(latest.get(p) ?? 0, o));
  return latest;
}

export function hasCommittedUpTo(members: readonly GroupMember[], ends: ReadonlyMap<number, number>): boolean {
  const latest = reportedCommits(members);
  return [...ends].every(([p, end]) => end === 0 || (latest.get(p) ?? 0) >= end);
}

/** Map → sorted entries, for readable deepEqual failures. */
export function entries(map: ReadonlyMap<number, number>): [number, number][] {
  return [...map].sort((a, b) => a[0] - b[0]);
}

/** One line for the test's diagnostics: how much was read twice and how many commits were refused. */
export function trafficSummary(members: readonly GroupMember[], produced: readonly ProducedRecord[]): string {
  const reads = members.reduce((n, m) => n + m.processed.length, 0);
  const refused = members.reduce((n, m) => n + m.warnings.filter((w) => w.startsWith('commit failed')).length, 0);
  const rebalances = members.reduce((n, m) => n + m.assignmentReports, 0);
  return `${produced.length} records produced, ${reads} reads (${reads - produced.length} again after a move), ${refused} commits refused mid-rebalance, ${rebalances} assignment callbacks over ${members.length} members`;
}
