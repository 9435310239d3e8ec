import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { JoinGroupResponse } from '../../../src/protocol/generated/index.js';
import {
  CoordinatorFixture, assignmentOf, joinRequest, memberIdFor, rejoin, settle, subscription, syncAll, syncRequest, testConfig,
} from '../../support/group-coordinator-fixture.js';

const GROUP = 'payments';

/** Tracks whether a parked request has been answered yet. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; readonly isDone: () => boolean } {
  let done = false;
  void promise.then(() => (done = true));
  return { promise, isDone: () => done };
}

/** n dynamic members join (with the MEMBER_ID_REQUIRED round trip), wait out the initial delay and sync. */
async function formGroup(f: CoordinatorFixture, n: number, groupId = GROUP): Promise<{ ids: string[]; joined: JoinGroupResponse[] }> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await memberIdFor(f.coordinator, groupId, `client-${i}`));
  const joins = ids.map((id, i) => rejoin(f.coordinator, groupId, `client-${i}`, id));
  await f.advance(f.config.groupInitialRebalanceDelayMs * 2);
  const joined = await Promise.all(joins);
  const synced = await syncAll(f.coordinator, groupId, joined);
  assert.ok(synced.every((s) => s.errorCode === ErrorCode.NONE));
  return { ids, joined };
}

function heartbeat(f: CoordinatorFixture, memberId: string, generationId: number, groupInstanceId: string | null = null): Promise<number> {
  return f.coordinator.heartbeat({ groupId: GROUP, memberId, generationId, groupInstanceId }, 4).then((r) => r.errorCode);
}

test('three members join through MEMBER_ID_REQUIRED and the initial delay into one generation, then sync to Stable', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const ids: string[] = [];
  for (const client of ['a', 'b', 'c']) {
    const id = await memberIdFor(f.coordinator, GROUP, client);
    assert.match(id, new RegExp(`^${client}-[0-9a-f-]{36}$`));
    ids.push(id);
  }
  const joins = ids.map((id, i) => tracked(rejoin(f.coordinator, GROUP, ['a', 'b', 'c'][i]!, id)));
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'PreparingRebalance');

  // Members kept arriving during the first delay, so it is extended once (Kafka's InitialDelayedJoin).
  await f.advance(3000);
  assert.ok(joins.every((j) => !j.isDone()), 'still waiting after the first delay');
  await f.advance(3000);
  const joined = await Promise.all(joins.map((j) => j.promise));

  assert.ok(joined.every((j) => j.errorCode === ErrorCode.NONE && j.generationId === 1 && j.leader === ids[0]));
  assert.ok(joined.every((j) => j.protocolName === 'range' && j.protocolType === 'consumer'));
  assert.deepEqual(joined[0]!.members.map((m) => m.memberId), ids, 'the leader gets every member');
  assert.ok(joined[0]!.members.every((m) => m.metadata.equals(subscription(['events']))));
  assert.ok(joined.slice(1).every((j) => j.members.length === 0), 'followers get no members');
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'CompletingRebalance');

  // Followers park in SyncGroup until the leader's assignment is written.
  const followers = joined.slice(1).map((j) => tracked(f.coordinator.syncGroup(syncRequest(GROUP, j), 5)));
  await settle();
  assert.ok(followers.every((s) => !s.isDone()));
  const assignments = new Map(ids.map((id, i) => [id, assignmentOf([i, i + 3])]));
  const leader = await f.coordinator.syncGroup(syncRequest(GROUP, joined[0]!, { assignments }), 5);
  const synced = [leader, ...(await Promise.all(followers.map((s) => s.promise)))];
  synced.forEach((s, i) => {
    assert.equal(s.errorCode, ErrorCode.NONE);
    assert.deepEqual(JSON.parse(s.assignment.toString()), [i, i + 3]);
    assert.equal(s.protocolName, 'range');
  });
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'Stable');
  const written = f.log.allRecords().filter((r) => r.type === 'group-metadata' && r.value !== null && r.value.members.length === 3);
  assert.equal(written.length, 1, 'one GroupMetadataValue with the assignment');
});

test("a fourth member's join rebalances the Stable group; members learn it from their heartbeats", async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const { ids } = await formGroup(f, 3);
  const newId = await memberIdFor(f.coordinator, GROUP, 'd');
  const fourth = tracked(rejoin(f.coordinator, GROUP, 'd', newId));
  await settle();
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'PreparingRebalance');
  for (const id of ids) assert.equal(await heartbeat(f, id, 1), ErrorCode.REBALANCE_IN_PROGRESS);

  // No initial delay this time: the join phase ends as soon as everyone is in.
  const rejoined = ids.map((id, i) => rejoin(f.coordinator, GROUP, `client-${i}`, id));
  const joined = [...(await Promise.all(rejoined)), await fourth.promise];
  assert.ok(joined.every((j) => j.generationId === 2));
  assert.equal(joined.find((j) => j.leader === j.memberId)!.members.length, 4);
});

test('a member whose session expires is removed and the others rebalance without it', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const { ids } = await formGroup(f, 3);
  // Two members keep heartbeating; the third goes silent past its 10 s session.
  for (let t = 0; t < 3; t++) {
    await f.advance(3000);
    assert.equal(await heartbeat(f, ids[0]!, 1), ErrorCode.NONE);
    assert.equal(await heartbeat(f, ids[1]!, 1), ErrorCode.NONE);
  }
  await f.advance(3000);
  const group = f.coordinator.groups.get(GROUP)!;
  assert.equal(group.stateName(), 'PreparingRebalance');
  assert.equal(await heartbeat(f, ids[2]!, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  const joined = await Promise.all(ids.slice(0, 2).map((id, i) => rejoin(f.coordinator, GROUP, `client-${i}`, id)));
  assert.ok(joined.every((j) => j.generationId === 2));
  assert.deepEqual(joined[0]!.members.map((m) => m.memberId), ids.slice(0, 2));
});

test('a member that joins but never syncs is removed when the sync deadline passes', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  // Sessions outlast the sync deadline (the rebalance timeout), so only the missing SyncGroup removes the member.
  const options = { sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 30_000 };
  const ids = [await memberIdFor(f.coordinator, GROUP, 'a', options), await memberIdFor(f.coordinator, GROUP, 'b', options)];
  const joins = ids.map((id, i) => rejoin(f.coordinator, GROUP, ['a', 'b'][i]!, id, options));
  await f.advance(6000);
  const joined = await Promise.all(joins);
  const leaderSync = f.coordinator.syncGroup(syncRequest(GROUP, joined[0]!, { assignments: new Map([[ids[0]!, assignmentOf([0])]]) }), 5);
  assert.equal((await leaderSync).errorCode, ErrorCode.NONE);
  await f.advance(30_000);
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'PreparingRebalance');
  assert.equal(await heartbeat(f, ids[1]!, 1), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('LeaveGroup v3+ removes a batch by member id or instance id with per-member errors; v0-2 answer one code', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const { ids } = await formGroup(f, 3);
  const left = await f.coordinator.leaveGroup({
    groupId: GROUP, memberId: '',
    members: [
      { memberId: ids[1]!, groupInstanceId: null, reason: 'shutdown' },
      { memberId: 'nobody', groupInstanceId: null, reason: null },
      { memberId: '', groupInstanceId: 'no-such-instance', reason: null },
    ],
  }, 5);
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'PreparingRebalance');

  const old = await f.coordinator.leaveGroup({ groupId: GROUP, memberId: ids[2]!, members: [] }, 1);
  assert.equal(old.errorCode, ErrorCode.NONE);
  assert.deepEqual(old.members, []);
  const again = await f.coordinator.leaveGroup({ groupId: GROUP, memberId: ids[2]!, members: [] }, 1);
  assert.equal(again.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const unknownGroup = await f.coordinator.leaveGroup({ groupId: 'nope', memberId: '', members: [{ memberId: 'x', groupInstanceId: null, reason: null }] }, 4);
  assert.deepEqual(unknownGroup.members.map((m) => m.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
});

/** Two static members form a group; returns their member ids and the generation. */
async function formStaticGroup(f: CoordinatorFixture): Promise<JoinGroupResponse[]> {
  const joins = ['s1', 's2'].map((instance) => f.coordinator.joinGroup({ clientId: instance, clientHost: '/10.0.0.2' }, joinRequest(GROUP, { groupInstanceId: instance }), 9));
  await f.advance(6000);
  const joined = await Promise.all(joins);
  assert.ok(joined.every((j) => j.errorCode === ErrorCode.NONE && j.generationId === 1));
  const leader = joined.find((j) => j.leader === j.memberId)!;
  const assignments = new Map(leader.members.map((m, i) => [m.memberId, assignmentOf([i])]));
  const synced = await Promise.all(joined.map((j, i) => f.coordinator.syncGroup(syncRequest(GROUP, j, { groupInstanceId: `s${i + 1}`, assignments: j === leader ? assignments : new Map() }), 5)));
  assert.ok(synced.every((s) => s.errorCode === ErrorCode.NONE));
  return joined;
}

test('a restarted static member gets its previous assignment back without a rebalance, and its old id is fenced', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const joined = await formStaticGroup(f);
  const follower = joined.find((j) => j.leader !== j.memberId)!;
  const instance = joined.indexOf(follower) === 0 ? 's1' : 's2';

  const restarted = await f.coordinator.joinGroup({ clientId: instance, clientHost: '/10.0.0.3' }, joinRequest(GROUP, { groupInstanceId: instance }), 9);
  assert.equal(restarted.errorCode, ErrorCode.NONE);
  assert.equal(restarted.generationId, 1, 'no generation bump');
  assert.notEqual(restarted.memberId, follower.memberId);
  assert.equal(restarted.skipAssignment, false);
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'Stable');
  const synced = await f.coordinator.syncGroup(syncRequest(GROUP, restarted, { groupInstanceId: instance }), 5);
  assert.deepEqual(JSON.parse(synced.assignment.toString()), [joined.indexOf(follower)]);

  // The old incarnation is fenced wherever it shows up.
  assert.equal(await heartbeat(f, follower.memberId, 1, instance), ErrorCode.FENCED_INSTANCE_ID);
  const stale = await f.coordinator.joinGroup({ clientId: instance, clientHost: '/10.0.0.2' }, joinRequest(GROUP, { groupInstanceId: instance, memberId: follower.memberId }), 9);
  assert.equal(stale.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const commit = await f.coordinator.commitOffsets({
    groupId: GROUP, generationIdOrMemberEpoch: 1, memberId: follower.memberId, groupInstanceId: instance, retentionTimeMs: -1,
    topics: [{ name: 'events', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, 8);
  assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.FENCED_INSTANCE_ID);
});

test('a restarted static leader is told to skip the assignment (v9) and still learns the members', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const joined = await formStaticGroup(f);
  const leader = joined.find((j) => j.leader === j.memberId)!;
  const instance = joined.indexOf(leader) === 0 ? 's1' : 's2';
  const restarted = await f.coordinator.joinGroup({ clientId: instance, clientHost: '/10.0.0.3' }, joinRequest(GROUP, { groupInstanceId: instance }), 9);
  assert.equal(restarted.leader, restarted.memberId);
  assert.equal(restarted.skipAssignment, true);
  assert.equal(restarted.members.length, 2);
  assert.equal(restarted.generationId, 1);
  // An older client (v8) is answered with the previous leader id and no members instead.
  const again = await f.coordinator.joinGroup({ clientId: instance, clientHost: '/10.0.0.4' }, joinRequest(GROUP, { groupInstanceId: instance }), 8);
  assert.equal(again.leader, restarted.memberId);
  assert.deepEqual(again.members, []);
});

test('the protocol every member supports wins by the members\' preference votes; a mismatch is INCONSISTENT_GROUP_PROTOCOL', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const meta = subscription(['events']);
  const prefs = [['roundrobin', 'range'], ['roundrobin', 'range', 'sticky'], ['range', 'roundrobin']];
  const ids: string[] = [];
  for (let i = 0; i < prefs.length; i++) {
    ids.push(await memberIdFor(f.coordinator, GROUP, `c${i}`, { protocols: prefs[i]!.map((name) => ({ name, metadata: meta })) }));
  }
  const joins = ids.map((id, i) => rejoin(f.coordinator, GROUP, `c${i}`, id, { protocols: prefs[i]!.map((name) => ({ name, metadata: meta })) }));
  await settle();
  // Joining a group of consumers with another protocol type, or no protocol in common, is refused.
  const otherType = await f.coordinator.joinGroup({ clientId: 'x', clientHost: '/h' }, joinRequest(GROUP, { protocolType: 'connect' }), 9);
  assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const noCommon = await f.coordinator.joinGroup({ clientId: 'x', clientHost: '/h' }, joinRequest(GROUP, { protocols: [{ name: 'sticky', metadata: meta }] }), 9);
  assert.equal(noCommon.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  await f.advance(6000);
  const joined = await Promise.all(joins);
  assert.ok(joined.every((j) => j.protocolName === 'roundrobin'));
  // SyncGroup v5 names the protocol; a different one is refused.
  const wrong = await f.coordinator.syncGroup({ ...syncRequest(GROUP, joined[0]!), protocolName: 'range' }, 5);
  assert.equal(wrong.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const missing = await f.coordinator.syncGroup({ ...syncRequest(GROUP, joined[0]!), protocolName: null }, 5);
  assert.equal(missing.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // Before v5 they are not sent, and anything goes.
  const leaderSync = await f.coordinator.syncGroup({ ...syncRequest(GROUP, joined[0]!), protocolName: null, protocolType: null }, 4);
  assert.equal(leaderSync.errorCode, ErrorCode.NONE);
});

test('stale generations and unknown members are refused as Kafka refuses them', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const { ids, joined } = await formGroup(f, 2);
  assert.equal(await heartbeat(f, ids[0]!, 7), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await heartbeat(f, 'stranger', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await f.coordinator.syncGroup({ ...syncRequest(GROUP, joined[0]!), generationId: 0 }, 5)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await f.coordinator.syncGroup({ ...syncRequest(GROUP, joined[0]!), memberId: 'stranger' }, 5)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await f.coordinator.syncGroup({ ...syncRequest('no-group', joined[0]!) }, 5)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await f.coordinator.heartbeat({ groupId: 'no-group', memberId: ids[0]!, generationId: 1, groupInstanceId: null }, 4)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const unknownJoin = await f.coordinator.joinGroup({ clientId: 'z', clientHost: '/h' }, joinRequest('no-group', { memberId: 'made-up' }), 9);
  assert.equal(unknownJoin.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const commit = await f.coordinator.commitOffsets({
    groupId: GROUP, generationIdOrMemberEpoch: 0, memberId: ids[0]!, groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 'events', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, 8);
  assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
});

test('rebalances can follow one another at once, as cooperative clients rejoin after revoking (KIP-429)', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  let { joined } = await formGroup(f, 2);
  for (let generation = 2; generation <= 4; generation++) {
    // The follower rejoins with new metadata (its owned partitions changed): a rebalance starts.
    const follower = joined.find((j) => j.leader !== j.memberId)!;
    const leader = joined.find((j) => j.leader === j.memberId)!;
    const topics = generation % 2 === 0 ? ['events', 'orders'] : ['events'];
    const followerJoin = f.coordinator.joinGroup({ clientId: 'client-1', clientHost: '/h' }, joinRequest(GROUP, { memberId: follower.memberId, topics }), 9);
    await settle();
    assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'PreparingRebalance');
    const leaderJoin = f.coordinator.joinGroup({ clientId: 'client-0', clientHost: '/h' }, joinRequest(GROUP, { memberId: leader.memberId }), 9);
    joined = await Promise.all([leaderJoin, followerJoin]);
    assert.ok(joined.every((j) => j.errorCode === ErrorCode.NONE && j.generationId === generation));
    const synced = await syncAll(f.coordinator, GROUP, joined);
    assert.ok(synced.every((s) => s.errorCode === ErrorCode.NONE));
    assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'Stable');
  }
});

test('an unchanged follower rejoining a Stable group gets the current generation back without a rebalance', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const { joined } = await formGroup(f, 2);
  const follower = joined.find((j) => j.leader !== j.memberId)!;
  const again = await f.coordinator.joinGroup({ clientId: 'client-1', clientHost: '/h' }, joinRequest(GROUP, { memberId: follower.memberId }), 9);
  assert.equal(again.generationId, 1);
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'Stable');
});

test('session timeouts outside the broker bounds and joins beyond group.max.size are refused', async () => {
  const f = new CoordinatorFixture(testConfig({ groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 60_000, groupMaxSize: 2 }));
  await f.load();
  for (const sessionTimeoutMs of [5999, 60_001]) {
    const r = await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest(GROUP, { sessionTimeoutMs }), 9);
    assert.equal(r.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  }
  const invalid = await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest(''), 9);
  assert.equal(invalid.errorCode, ErrorCode.INVALID_GROUP_ID);
  const { ids } = await formGroup(f, 2);
  assert.equal(ids.length, 2);
  const refused = await f.coordinator.joinGroup({ clientId: 'c3', clientHost: '/h' }, joinRequest(GROUP), 9);
  assert.equal(refused.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
});

test('a failed write of the assignment answers the mapped error and sends the group back to rebalancing', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const ids = [await memberIdFor(f.coordinator, GROUP, 'a'), await memberIdFor(f.coordinator, GROUP, 'b')];
  const joins = ids.map((id, i) => rejoin(f.coordinator, GROUP, ['a', 'b'][i]!, id));
  await f.advance(6000);
  const joined = await Promise.all(joins);
  f.log.failAppendsWith(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const synced = await syncAll(f.coordinator, GROUP, joined);
  assert.deepEqual(synced.map((s) => s.errorCode), [ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_COORDINATOR]);
  assert.equal(f.coordinator.groups.get(GROUP)!.stateName(), 'PreparingRebalance');
  f.log.failAppendsWith(null);
  const rejoined = await Promise.all(ids.map((id, i) => rejoin(f.coordinator, GROUP, ['a', 'b'][i]!, id)));
  assert.ok(rejoined.every((j) => j.generationId === 2));
});

test('JoinGroup answers are shaped per version: v0 uses the session timeout, v6 never sends a null protocol name', async () => {
  const f = new CoordinatorFixture(testConfig({ groupInitialRebalanceDelayMs: 0 }));
  await f.load();
  const error = await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest('x', { sessionTimeoutMs: 1 }), 6);
  assert.equal(error.protocolName, '');
  // v0-3 have no MEMBER_ID_REQUIRED: the member is in at once.
  const v0 = f.coordinator.joinGroup({ clientId: 'old', clientHost: '/h' }, { ...joinRequest('legacy'), rebalanceTimeoutMs: -1 }, 0);
  await f.advance(0);
  const joined = await v0;
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.generationId, 1);
  assert.equal(joined.protocolName, 'range');
});
