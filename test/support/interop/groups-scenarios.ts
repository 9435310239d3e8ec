/**
 * The consumer-group scenarios every client is judged on, written once over MemberLauncher so
 * each groups-<client>.test.ts runs the same checks with its own member processes:
 * - churn: 3 members on 6 partitions get 2 each; a 4th joins and all rebalance; with 7, six own
 *   one partition and one is idle; a member that closes and one that is SIGKILLed (found by its
 *   session timeout) have their partitions moved; every record produced meanwhile is processed,
 *   nothing is committed past what was processed; members restarted after a clean shutdown
 *   resume exactly at the committed offsets (nothing read twice);
 * - two groups on one topic each read every record, with their own committed offsets;
 * - a static member (KIP-345) restarts without a rebalance: same assignment, the others see no
 *   rebalance callback, the coordinator keeps the group Stable and gives the instance a new member id.
 */
import assert from 'node:assert/strict';
import { GROUP_TEST_BROKER_CONFIG, GroupTraffic, fetchCommittedOffsets } from './groups-broker-view.js';
import {
  type GroupUnderTest, assertCommittedOnlyProcessed, assertOneGeneration, assertProcessedAll, entries, hasCommittedUpTo, hasProcessedAll, settle,
  trafficSummary,
} from './groups-checks.js';
import { type GroupMember, type MemberLauncher, MEMBER_TIMINGS, ScenarioScope, type TestContext, waitUntil } from './groups-member.js';

/** node:test's context, as far as the scenarios use it. */
export interface ScenarioTest extends TestContext {
  diagnostic(message: string): void;
}
import { createTopic, startTestBroker } from './interop-broker.js';

export interface ScenarioOptions {
  /** The client's assignor name; its default when absent. */
  readonly assignor?: string;
  readonly groupProtocol?: 'classic' | 'consumer';
}

const PARTITIONS = 6;
/** Long enough for a session timeout and the rebalance after it. */
const SETTLE_AFTER_KILL_MS = MEMBER_TIMINGS.sessionTimeoutMs + 20_000;

interface Scenario {
  readonly scope: ScenarioScope;
  readonly bootstrap: string;
  readonly group: GroupUnderTest;
  readonly traffic: GroupTraffic;
}

async function setUp(t: TestContext, topic: string, groupId: string, groupProtocol: 'classic' | 'consumer'): Promise<Scenario> {
  const scope = new ScenarioScope(t);
  const broker = await startTestBroker(scope, { ...GROUP_TEST_BROKER_CONFIG });
  await createTopic(broker.port, topic, PARTITIONS);
  const traffic = await GroupTraffic.open(broker.port, topic, PARTITIONS);
  scope.after(async () => {
    try {
      await traffic.stopTrickle();
    } finally {
      traffic.close();
    }
  });
  return { scope, bootstrap: broker.bootstrap, group: { port: broker.port, groupId, topic, partitionCount: PARTITIONS, groupProtocol }, traffic };
}

const live = (members: readonly GroupMember[]): GroupMember[] => members.filter((m) => m.isAlive);
const closeAll = (members: readonly GroupMember[]): Promise<void[]> => Promise.all(members.map((m) => m.close()));

/** Scenarios 1-4 of the issue: joins, an idle member, a close and a kill, no loss, exact restart. */
export async function churnScenario(t: ScenarioTest, launch: MemberLauncher, options: ScenarioOptions = {}): Promise<void> {
  const groupProtocol = options.groupProtocol ?? 'classic';
  const { scope, bootstrap, group, traffic } = await setUp(t, 'orders', 'billing', groupProtocol);
  const start = (name: string): GroupMember => launch(scope, bootstrap, {
    groupId: group.groupId, topic: group.topic, name, groupProtocol, ...(options.assignor === undefined ? {} : { assignor: options.assignor }),
  });
  await traffic.produce(30, 'before');
  traffic.startTrickle('churn', 15);

  const members = [start('m1'), start('m2'), start('m3')];
  await settle('three members with two partitions each', group, members, [2, 2, 2]);
  assertOneGeneration(members);
  members.push(start('m4'));
  await settle('a fourth member joined: partitions spread again', group, members, [1, 1, 2, 2]);
  assertOneGeneration(members);
  members.push(start('m5'), start('m6'), start('m7'));
  await settle('seven members: six with one partition, one idle', group, members, [0, 1, 1, 1, 1, 1, 1]);
  assertOneGeneration(members);

  const idle = members.find((m) => (m.assignment ?? []).length === 0)!;
  const leaving = members.find((m) => (m.assignment ?? []).length > 0)!;
  await leaving.close();
  await settle(`${leaving.name} closed: its partition moved, ${idle.name} is no longer idle`, group, live(members), [1, 1, 1, 1, 1, 1]);
  assert.ok((idle.assignment ?? []).length > 0);

  const victim = live(members)[0]!;
  const victimPartitions = victim.assignment!;
  await victim.kill();
  // Until its session times out nobody else owns its partitions: what is committed there is
  // what it (or an earlier owner) reported processing.
  const committedAtKill = await fetchCommittedOffsets(group.port, group.groupId, group.topic, PARTITIONS);
  const atKill = new Map(victimPartitions.map((p) => [p, committedAtKill.get(p)!]));
  assertCommittedOnlyProcessed(atKill, members, traffic.produced, `after ${victim.name} was killed`);
  await settle(`${victim.name} killed: its partition moved after its session timed out`, group, live(members), [1, 1, 1, 1, 2], SETTLE_AFTER_KILL_MS);

  await traffic.stopTrickle();
  const ends = traffic.endOffsets();
  await waitUntil('every record processed and committed', live(members),
    () => hasProcessedAll(members, traffic.produced) && hasCommittedUpTo(live(members), ends));
  await closeAll(live(members));
  const committed = await fetchCommittedOffsets(group.port, group.groupId, group.topic, PARTITIONS);
  assertProcessedAll(members, traffic.produced, traffic.produced, 'during the churn');
  assertCommittedOnlyProcessed(committed, members, traffic.produced, 'after a clean shutdown');
  assert.deepEqual(entries(committed), entries(ends), 'after a clean shutdown every partition is committed at its end');

  t.diagnostic(`churn: ${trafficSummary(members, traffic.produced)}`);
  await restartScenario(start, group, traffic, committed);
}

/** Scenario 4: members restarted after a clean shutdown start at the committed offsets. */
async function restartScenario(start: (name: string) => GroupMember, group: GroupUnderTest, traffic: GroupTraffic,
  committed: ReadonlyMap<number, number>): Promise<void> {
  const before = traffic.produced.length;
  await traffic.produce(30, 'after-restart');
  const fresh = traffic.produced.slice(before);
  const restarted = [start('r1'), start('r2'), start('r3')];
  await settle('three restarted members with two partitions each', group, restarted, [2, 2, 2]);
  const ends = traffic.endOffsets();
  await waitUntil('the records produced since the restart processed and committed', restarted,
    () => hasProcessedAll(restarted, fresh) && hasCommittedUpTo(restarted, ends));
  const reread = restarted.flatMap((m) => m.processed.filter((r) => r.offset < committed.get(r.partition)!).map((r) => `${m.name} ${r.partition}:${r.offset}`));
  assert.deepEqual(reread, [], 'after a clean shutdown with commits, restarted members read nothing twice');
  await closeAll(restarted);
  const after = await fetchCommittedOffsets(group.port, group.groupId, group.topic, PARTITIONS);
  assert.deepEqual(entries(after), entries(ends), 'the restarted members committed up to the end');
}

/** Scenario 5: a second group on the same topic independently reads every record. */
export async function twoGroupsScenario(t: ScenarioTest, launch: MemberLauncher, options: ScenarioOptions = {}): Promise<void> {
  const groupProtocol = options.groupProtocol ?? 'classic';
  const { scope, bootstrap, group, traffic } = await setUp(t, 'events', 'search-indexer', groupProtocol);
  const audit: GroupUnderTest = { ...group, groupId: 'audit' };
  const start = (g: GroupUnderTest, name: string): GroupMember => launch(scope, bootstrap, {
    groupId: g.groupId, topic: g.topic, name, groupProtocol, ...(options.assignor === undefined ? {} : { assignor: options.assignor }),
  });
  await traffic.produce(60, 'before');
  traffic.startTrickle('meanwhile', 15);
  const indexers = [start(group, 'indexer-1'), start(group, 'indexer-2')];
  const auditors = [start(audit, 'auditor-1'), start(audit, 'auditor-2')];
  await settle('the first group settled', group, indexers, [3, 3]);
  await settle('the second group settled', audit, auditors, [3, 3]);
  await traffic.stopTrickle();
  const ends = traffic.endOffsets();
  await waitUntil('both groups processed and committed every record', [...indexers, ...auditors],
    () => hasProcessedAll(indexers, traffic.produced) && hasProcessedAll(auditors, traffic.produced) &&
      hasCommittedUpTo(indexers, ends) && hasCommittedUpTo(auditors, ends));
  await closeAll([...indexers, ...auditors]);
  assertProcessedAll(indexers, traffic.produced, traffic.produced, group.groupId);
  assertProcessedAll(auditors, traffic.produced, traffic.produced, audit.groupId);
  t.diagnostic(`${group.groupId}: ${trafficSummary(indexers, traffic.produced)}; ${audit.groupId}: ${trafficSummary(auditors, traffic.produced)}`);
  for (const g of [group, audit]) {
    const committed = await fetchCommittedOffsets(g.port, g.groupId, g.topic, PARTITIONS);
    assert.deepEqual(entries(committed), entries(ends), `group ${g.groupId} committed its own offsets, at the end`);
  }
}

export interface StaticRestartOptions extends ScenarioOptions {
  /**
   * How the static member goes away: `close` for clients that send no LeaveGroup for a static
   * member (librdkafka), `kill` for those whose close() would leave the group.
   */
  readonly stop: 'close' | 'kill';
}

/** Scenario 6: a static member (group.instance.id) restarts without a rebalance. */
export async function staticMemberScenario(t: ScenarioTest, launch: MemberLauncher, options: StaticRestartOptions): Promise<void> {
  const { scope, bootstrap, group, traffic } = await setUp(t, 'payments', 'ledger', 'classic');
  const start = (n: number): GroupMember => launch(scope, bootstrap, {
    groupId: group.groupId, topic: group.topic, name: `static-${n}`, groupInstanceId: `ledger-instance-${n}`,
    ...(options.assignor === undefined ? {} : { assignor: options.assignor }),
  });
  await traffic.produce(30, 'before');
  const members = [start(1), start(2), start(3)];
  const before = await settle('three static members with two partitions each', group, members, [2, 2, 2]);
  const [first, restarting, third] = members as [GroupMember, GroupMember, GroupMember];
  const reportsBefore = [first.assignmentReports, third.assignmentReports];
  // librdkafka's close() revokes locally, so what it owned is taken before it stops.
  const ownedBefore = restarting.assignment;
  const generationBefore = restarting.generationId;
  const memberIdOf = (view: typeof before, instance: string): string | undefined => view.members.find((m) => m.groupInstanceId === instance)?.memberId;

  if (options.stop === 'close') await restarting.close();
  else await restarting.kill();
  const restarted = start(2);
  const now = [first, restarted, third];
  await waitUntil('the restarted static member got its assignment back', now, () => restarted.assignment !== null);
  assert.deepEqual(restarted.assignment, ownedBefore, 'the restarted static member owns the same partitions');
  if (generationBefore !== null) assert.equal(restarted.generationId, generationBefore, 'the generation did not change');

  // The group keeps working, and nobody else went through a rebalance meanwhile.
  const sent = traffic.produced.length;
  await traffic.produce(30, 'after-restart');
  await waitUntil('records produced after the restart processed', now, () => hasProcessedAll(now, traffic.produced.slice(sent)));
  assert.deepEqual([first.assignmentReports, third.assignmentReports], reportsBefore, 'the other members saw no rebalance');
  const after = await settle('the group is Stable with the same assignments', group, now, [2, 2, 2]);
  assert.equal(after.members.length, 3);
  for (const instance of ['ledger-instance-1', 'ledger-instance-3']) {
    assert.equal(memberIdOf(after, instance), memberIdOf(before, instance), `${instance} kept its member id`);
  }
  assert.ok(memberIdOf(after, 'ledger-instance-2') !== undefined, 'the restarted instance is a member');
  assert.notEqual(memberIdOf(after, 'ledger-instance-2'), memberIdOf(before, 'ledger-instance-2'), 'the restarted instance has a new member id (KIP-345)');
  await closeAll(now);
}
