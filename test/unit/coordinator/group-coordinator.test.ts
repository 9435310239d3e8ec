import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForGroup } from '../../../src/coordinator/group/coordinator-log.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  CoordinatorFixture, commitRequest, joinRequest, memberIdFor, rejoin, settle, subscription, syncAll, syncRequest,
} from '../../support/group-coordinator-fixture.js';

/** Group ids that land in the given `__consumer_offsets` partition (3 partitions in the fixture). */
function groupIdIn(partition: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionForGroup(`${prefix}-${i}`, 3) === partition) return `${prefix}-${i}`;
}

async function stableGroup(f: CoordinatorFixture, groupId: string, clients: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const client of clients) ids.push(await memberIdFor(f.coordinator, groupId, client));
  const joins = ids.map((id, i) => rejoin(f.coordinator, groupId, clients[i]!, id));
  await f.advance(clients.length > 1 ? 6000 : 3000);
  const synced = await syncAll(f.coordinator, groupId, await Promise.all(joins));
  assert.ok(synced.every((s) => s.errorCode === ErrorCode.NONE));
  return ids;
}

test('groups and offsets survive a coordinator restart: members, generation, assignments and commits are replayed', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const ids = await stableGroup(f, 'orders-app', ['a', 'b']);
  await f.coordinator.commitOffsets(commitRequest('orders-app', { events: [[0, 100], [1, 200]] }, { generationId: 1, memberId: ids[0]! }), 8);
  await f.coordinator.commitOffsets(commitRequest('orders-app', { events: [[0, 150]] }, { generationId: 1, memberId: ids[1]! }), 8);
  await f.coordinator.commitOffsets(commitRequest('tool', { audit: [[0, 9]] }), 8);

  await f.restart();
  const group = f.coordinator.groups.get('orders-app')!;
  assert.equal(group.stateName(), 'Stable');
  const described = f.coordinator.describeGroups({ groups: ['orders-app'], includeAuthorizedOperations: false }, 5).groups[0]!;
  assert.deepEqual(described.members.map((m) => m.memberId), ids);
  assert.deepEqual(described.members.map((m) => JSON.parse(m.memberAssignment.toString()) as number[]), [[0], [1]]);
  assert.equal(described.protocolData, 'range');
  // The members carry on where they were: same generation, same assignment.
  assert.equal((await f.coordinator.heartbeat({ groupId: 'orders-app', memberId: ids[0]!, generationId: 1, groupInstanceId: null }, 4)).errorCode, ErrorCode.NONE);
  const synced = await f.coordinator.syncGroup({ groupId: 'orders-app', generationId: 1, memberId: ids[1]!, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] }, 5);
  assert.deepEqual(JSON.parse(synced.assignment.toString()), [1]);
  const fetched = await f.coordinator.fetchOffsets({ groupId: 'orders-app', topics: null, groups: [], requireStable: false }, 7);
  assert.deepEqual(fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset]), [[0, 150], [1, 200]]);
  assert.equal(f.coordinator.groups.get('tool')!.protocolType(), '', 'the simple group comes back with its offsets');

  // Loaded members have a session: the one that stays silent expires.
  for (let i = 0; i < 4; i++) {
    await f.advance(3000);
    await f.coordinator.heartbeat({ groupId: 'orders-app', memberId: ids[0]!, generationId: 1, groupInstanceId: null }, 4);
  }
  assert.equal(f.coordinator.groups.get('orders-app')!.stateName(), 'PreparingRebalance');
});

test('a group whose partition is not loaded answers NOT_COORDINATOR; one still loading COORDINATOR_LOAD_IN_PROGRESS', async () => {
  const f = new CoordinatorFixture();
  const groupId = groupIdIn(2, 'g');
  assert.equal(f.coordinator.partitionFor(groupId), 2);
  const notHere = await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest(groupId), 9);
  assert.equal(notHere.errorCode, ErrorCode.NOT_COORDINATOR);

  const release = f.log.holdReads();
  const loading = f.coordinator.onElection(2);
  await settle();
  assert.equal(f.coordinator.isLoaded(2), false);
  assert.equal((await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest(groupId), 9)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal((await f.coordinator.commitOffsets(commitRequest(groupId, { events: [[0, 1]] }), 8)).topics[0]!.partitions[0]!.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  // Kafka answers heartbeats blindly while loading.
  assert.equal((await f.coordinator.heartbeat({ groupId, memberId: 'm', generationId: 1, groupInstanceId: null }, 4)).errorCode, ErrorCode.NONE);
  assert.equal(f.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 5).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  release();
  await loading;
  assert.equal(f.coordinator.isLoaded(2), true);
  assert.equal((await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest(groupId), 9)).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
});

test('resigning a partition answers its parked joins NOT_COORDINATOR and forgets its groups', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const groupId = groupIdIn(1, 'moving');
  const other = groupIdIn(0, 'staying');
  await f.coordinator.commitOffsets(commitRequest(other, { events: [[0, 1]] }), 8);
  const id = await memberIdFor(f.coordinator, groupId, 'a');
  const parked = rejoin(f.coordinator, groupId, 'a', id);
  await settle();
  f.coordinator.onResignation(1);
  assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(f.coordinator.groups.has(groupId), false);
  assert.equal(f.coordinator.groups.has(other), true);
  assert.equal((await f.coordinator.heartbeat({ groupId, memberId: id, generationId: 0, groupInstanceId: null }, 4)).errorCode, ErrorCode.NOT_COORDINATOR);
});

test('ListGroups filters by state (v4+) and type (v5+), case-insensitively', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  await stableGroup(f, 'stable-group', ['a']);
  await f.coordinator.commitOffsets(commitRequest('simple-group', { events: [[0, 1]] }), 8);
  const all = f.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 5).groups;
  assert.deepEqual(all.map((g) => [g.groupId, g.protocolType, g.groupState, g.groupType]).sort(), [
    ['simple-group', '', 'Empty', 'classic'],
    ['stable-group', 'consumer', 'Stable', 'classic'],
  ]);
  const stable = f.coordinator.listGroups({ statesFilter: ['STABLE '], typesFilter: [] }, 4).groups;
  assert.deepEqual(stable.map((g) => g.groupId), ['stable-group']);
  assert.deepEqual(f.coordinator.listGroups({ statesFilter: [], typesFilter: ['Classic'] }, 5).groups.length, 2);
  assert.deepEqual(f.coordinator.listGroups({ statesFilter: [], typesFilter: ['consumer'] }, 5).groups, []);
  assert.deepEqual(f.coordinator.listGroups({ statesFilter: [], typesFilter: ['share'] }, 5).groups, []);
  // Filters a version lacks are ignored.
  assert.equal(f.coordinator.listGroups({ statesFilter: ['dead'], typesFilter: ['share'] }, 3).groups.length, 2);
});

test('DescribeGroups gives member metadata once Stable, assignments always, and "Dead" for unknown groups', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const [id] = await stableGroup(f, 'described', ['a']);
  const rebalancing = await memberIdFor(f.coordinator, 'joining', 'x');
  void rejoin(f.coordinator, 'joining', 'x', rebalancing);
  await settle();
  const response = f.coordinator.describeGroups({ groups: ['described', 'joining', 'unknown'], includeAuthorizedOperations: true }, 5);
  const [stable, joining, unknown] = response.groups;
  assert.equal(stable!.groupState, 'Stable');
  assert.equal(stable!.protocolType, 'consumer');
  assert.equal(stable!.members[0]!.memberId, id);
  assert.equal(stable!.members[0]!.clientId, 'a');
  assert.equal(stable!.members[0]!.clientHost, '/10.0.0.1');
  assert.ok(stable!.members[0]!.memberMetadata.equals(subscription(['events'])));
  assert.deepEqual(JSON.parse(stable!.members[0]!.memberAssignment.toString()), [0]);
  assert.equal(joining!.groupState, 'PreparingRebalance');
  assert.equal(joining!.protocolData, '');
  assert.equal(joining!.members[0]!.memberMetadata.length, 0);
  assert.deepEqual([unknown!.groupState, unknown!.errorCode, unknown!.members.length], ['Dead', ErrorCode.NONE, 0]);
});

test('DeleteGroups deletes empty groups with their offsets, refuses groups with members and unknown ids', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  await stableGroup(f, 'busy', ['a']);
  await f.coordinator.commitOffsets(commitRequest('idle', { events: [[0, 1], [1, 2]], orders: [[0, 3]] }), 8);
  const response = await f.coordinator.deleteGroups({ groupsNames: ['idle', 'busy', 'ghost', 'idle'] }, 2);
  assert.deepEqual(response.results.map((r) => [r.groupId, r.errorCode]), [
    ['idle', ErrorCode.NONE], ['busy', ErrorCode.NON_EMPTY_GROUP], ['ghost', ErrorCode.GROUP_ID_NOT_FOUND],
  ]);
  assert.equal(f.coordinator.groups.has('idle'), false);
  const fetched = await f.coordinator.fetchOffsets({ groupId: 'idle', topics: null, groups: [], requireStable: false }, 7);
  assert.deepEqual(fetched.topics, []);
  const tombstones = f.log.allRecords().filter((r) => r.groupId === 'idle' && r.value === null);
  assert.equal(tombstones.length, 4, 'three offsets and the group');
  await f.restart();
  assert.equal(f.coordinator.groups.has('idle'), false);
  assert.equal(f.coordinator.groups.has('busy'), true);
});

test('a DeleteGroups whose write fails keeps the group and answers the mapped error', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  await f.coordinator.commitOffsets(commitRequest('idle', { events: [[0, 1]] }), 8);
  f.log.failAppendsWith(ErrorCode.KAFKA_STORAGE_ERROR);
  const response = await f.coordinator.deleteGroups({ groupsNames: ['idle'] }, 2);
  assert.deepEqual(response.results.map((r) => r.errorCode), [ErrorCode.NOT_COORDINATOR]);
  assert.equal(f.coordinator.groups.get('idle')!.stateName(), 'Empty');
  f.log.failAppendsWith(null);
  assert.equal((await f.coordinator.commitOffsets(commitRequest('idle', { events: [[0, 2]] }), 8)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
});

test('shutdown answers parked requests and every later request says the coordinator is not available', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const ids = [await memberIdFor(f.coordinator, 'g', 'a'), await memberIdFor(f.coordinator, 'g', 'b')];
  const joins = ids.map((id, i) => rejoin(f.coordinator, 'g', ['a', 'b'][i]!, id));
  await f.advance(6000);
  const joined = await Promise.all(joins);
  const follower = joined.find((j) => j.leader !== j.memberId)!;
  const parkedSync = f.coordinator.syncGroup(syncRequest('g', follower), 5);
  await settle();
  f.coordinator.shutdown();
  assert.equal((await parkedSync).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal((await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest('g'), 9)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(f.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 5).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(f.scheduler.pendingCount, 0, 'no deadline left behind');
});

test('a classic join replaces an empty KIP-848 consumer group of the same id, and is refused while it has members', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const client = { clientId: 'new-consumer', clientHost: '/10.0.0.9' };
  const heartbeat = {
    groupId: 'migrating', memberId: 'AAAAAAAAAAAAAAAAAAAAAw', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ['events'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
  };
  const joined = await f.coordinator.consumerGroupHeartbeat(client, heartbeat, 1);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(f.coordinator.groups.get('migrating')!.type, 'consumer');
  const refused = await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest('migrating'), 9);
  assert.equal(refused.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

  const left = await f.coordinator.consumerGroupHeartbeat(client, { ...heartbeat, memberId: joined.memberId!, memberEpoch: -1 }, 1);
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(f.coordinator.groups.get('migrating')!.isEmpty(), true);
  const accepted = await f.coordinator.joinGroup({ clientId: 'c', clientHost: '/h' }, joinRequest('migrating'), 9);
  assert.equal(accepted.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.equal(f.coordinator.groups.get('migrating')!.type, 'classic');
  await f.restart();
  assert.equal(f.coordinator.groups.get('migrating')?.type ?? 'classic', 'classic', 'the consumer group stays deleted');
});
