import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForGroup } from '../../../src/coordinator/group/coordinator-log.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { OffsetFetchResponse } from '../../../src/protocol/generated/index.js';
import {
  CoordinatorFixture, commitRequest, joinRequest, memberIdFor, rejoin, syncAll, testConfig,
} from '../../support/group-coordinator-fixture.js';

/** committedOffset by "topic-partition" from a v0-7 answer. */
function offsetsOf(response: OffsetFetchResponse): Record<string, number> {
  return Object.fromEntries(response.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p.committedOffset])));
}

function fetchV7(f: CoordinatorFixture, groupId: string, topics: Record<string, number[]> | null): Promise<OffsetFetchResponse> {
  const requested = topics === null ? null : Object.entries(topics).map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  return f.coordinator.fetchOffsets({ groupId, topics: requested, groups: [], requireStable: false }, 7);
}

/** Group ids that land in the given `__consumer_offsets` partition (3 partitions in the fixture). */
function groupIdIn(partition: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionForGroup(`${prefix}-${i}`, 3) === partition) return `${prefix}-${i}`;
}

test('a commit without generation creates a simple group; fetch returns offset, leader epoch and metadata, -1 where nothing is committed', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const committed = await f.coordinator.commitOffsets(commitRequest('reporting', { events: [[0, 42], [1, 7]] }), 8);
  assert.deepEqual(committed.topics.map((t) => t.partitions.map((p) => p.errorCode)), [[ErrorCode.NONE, ErrorCode.NONE]]);
  const group = f.coordinator.groups.get('reporting')!;
  assert.equal(group.type, 'classic');
  assert.equal(group.protocolType(), '');
  assert.equal(group.stateName(), 'Empty');

  const fetched = await fetchV7(f, 'reporting', { events: [0, 1, 2] });
  assert.equal(fetched.errorCode, ErrorCode.NONE);
  assert.deepEqual(fetched.topics[0]!.partitions, [
    { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: 'meta', errorCode: ErrorCode.NONE },
    { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: 3, metadata: 'meta', errorCode: ErrorCode.NONE },
    { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
  ]);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'reporting', null)), { 'events-0': 42, 'events-1': 7 }, 'null topics: every committed offset');
  assert.deepEqual(offsetsOf(await fetchV7(f, 'nobody', { events: [0] })), { 'events-0': -1 }, 'an unknown group has nothing committed');
  const records = f.log.allRecords().filter((r) => r.type === 'offset-commit');
  assert.equal(records.length, 2, 'one record per partition');
});

test('OffsetFetch v8 answers each group of the batch, each with its own error', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const [here, elsewhere] = [groupIdIn(0, 'here'), groupIdIn(1, 'elsewhere')];
  await f.coordinator.commitOffsets(commitRequest(here, { events: [[3, 300]], orders: [[0, 5]] }), 8);
  f.coordinator.onResignation(1);
  const response = await f.coordinator.fetchOffsets({
    groupId: '', topics: null, requireStable: true,
    groups: [
      { groupId: here, memberId: null, memberEpoch: -1, topics: [{ name: 'events', partitionIndexes: [3, 4] }] },
      { groupId: here, memberId: null, memberEpoch: -1, topics: null },
      { groupId: elsewhere, memberId: null, memberEpoch: -1, topics: null },
    ],
  }, 8);
  assert.equal(response.groups.length, 3);
  assert.deepEqual(response.groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset), [300, -1]);
  assert.deepEqual(response.groups[1]!.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]), [['events', [300]], ['orders', [5]]]);
  assert.equal(response.groups[2]!.errorCode, ErrorCode.NOT_COORDINATOR);
  // Before v2 the group's error goes into every partition; from v2 it is top level.
  const v1 = await f.coordinator.fetchOffsets({ groupId: elsewhere, topics: [{ name: 'events', partitionIndexes: [0] }], groups: [], requireStable: false }, 1);
  assert.equal(v1.errorCode, ErrorCode.NONE);
  assert.deepEqual(v1.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[-1, ErrorCode.NOT_COORDINATOR]]);
  const v3 = await fetchV7(f, elsewhere, { events: [0] });
  assert.equal(v3.errorCode, ErrorCode.NOT_COORDINATOR);
});

test('per-partition commit errors: unknown topics and partitions, metadata over offset.metadata.max.bytes', async () => {
  const f = new CoordinatorFixture(testConfig({ offsetMetadataMaxBytes: 8 }));
  await f.load();
  const request = commitRequest('g', { events: [[0, 1], [6, 1]], missing: [[0, 1]] }, { metadata: 'short' });
  request.topics[0]!.partitions.push({ partitionIndex: 2, committedOffset: 9, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'far too long' });
  const response = await f.coordinator.commitOffsets(request, 8);
  assert.deepEqual(response.topics.map((t) => t.partitions.map((p) => p.errorCode)), [
    [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'g', { events: [0, 2] })), { 'events-0': 1, 'events-2': -1 });
});

test('a failed write commits nothing and answers the error Kafka maps it to', async () => {
  const cases = [
    [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
    [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.INVALID_COMMIT_OFFSET_SIZE],
    [ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.INVALID_COMMIT_OFFSET_SIZE],
  ] as const;
  for (const [appendError, answered] of cases) {
    const f = new CoordinatorFixture();
    await f.load();
    f.log.failAppendsWith(appendError);
    const response = await f.coordinator.commitOffsets(commitRequest('g', { events: [[0, 1]], missing: [[0, 1]] }), 8);
    assert.deepEqual(response.topics.map((t) => t.partitions[0]!.errorCode), [answered, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], `append error ${appendError}`);
    assert.equal(f.coordinator.groups.has('g'), false, 'no simple group without its offsets');
    assert.deepEqual(offsetsOf(await fetchV7(f, 'g', { events: [0] })), { 'events-0': -1 });
  }
});

test('commits are checked against the group: generation, membership, state and version', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const withGeneration = commitRequest('absent', { events: [[0, 1]] }, { generationId: 3, memberId: 'm' });
  assert.equal((await f.coordinator.commitOffsets(withGeneration, 8)).topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await f.coordinator.commitOffsets(withGeneration, 9)).topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

  const ids = [await memberIdFor(f.coordinator, 'live', 'a'), await memberIdFor(f.coordinator, 'live', 'b')];
  const joins = ids.map((id, i) => rejoin(f.coordinator, 'live', ['a', 'b'][i]!, id));
  await f.advance(6000);
  const joined = await Promise.all(joins);
  // Joined but not synced: the member must finish the rebalance first.
  const early = await f.coordinator.commitOffsets(commitRequest('live', { events: [[0, 1]] }, { generationId: 1, memberId: ids[0]! }), 8);
  assert.equal(early.topics[0]!.partitions[0]!.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  await syncAll(f.coordinator, 'live', joined);
  const ok = await f.coordinator.commitOffsets(commitRequest('live', { events: [[0, 10]] }, { generationId: 1, memberId: ids[0]! }), 8);
  assert.equal(ok.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  // An outsider (admin tool) cannot commit while the group has members.
  const outsider = await f.coordinator.commitOffsets(commitRequest('live', { events: [[0, 99]] }), 8);
  assert.equal(outsider.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'live', { events: [0] })), { 'events-0': 10 });
});

test('OffsetDelete removes offsets of topics nobody subscribes to, and refuses subscribed topics and unknown groups', async () => {
  const f = new CoordinatorFixture();
  await f.load();
  const ids = [await memberIdFor(f.coordinator, 'g', 'a', { topics: ['events'] })];
  const joins = [rejoin(f.coordinator, 'g', 'a', ids[0]!, { topics: ['events'] })];
  await f.advance(3000);
  await syncAll(f.coordinator, 'g', await Promise.all(joins));
  await f.coordinator.commitOffsets(commitRequest('g', { events: [[0, 5]], orders: [[0, 6], [1, 7]] }, { generationId: 1, memberId: ids[0]! }), 8);

  const response = await f.coordinator.deleteOffsets({ groupId: 'g', topics: [{ name: 'events', partitions: [{ partitionIndex: 0 }] }, { name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 2 }] }] }, 0);
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.deepEqual(response.topics.map((t) => t.partitions.map((p) => p.errorCode)), [[ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], [ErrorCode.NONE, ErrorCode.NONE]]);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'g', null)), { 'events-0': 5, 'orders-1': 7 });
  const tombstones = f.log.allRecords().filter((r) => r.type === 'offset-commit' && r.value === null);
  assert.equal(tombstones.length, 1, 'a tombstone only where an offset existed');

  assert.equal((await f.coordinator.deleteOffsets({ groupId: 'nope', topics: [] }, 0)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal((await f.coordinator.deleteOffsets({ groupId: '', topics: [] }, 0)).errorCode, ErrorCode.INVALID_GROUP_ID);
  // A group of another protocol type cannot lose offsets while it has members.
  const connect = f.coordinator.joinGroup({ clientId: 'w', clientHost: '/h' }, joinRequest('workers', { protocolType: 'connect', groupInstanceId: 'w1' }), 9);
  await f.advance(3000);
  await connect;
  assert.equal((await f.coordinator.deleteOffsets({ groupId: 'workers', topics: [] }, 0)).errorCode, ErrorCode.NON_EMPTY_GROUP);
});

test('offsets expire after offsets.retention.ms, counted for an empty group from when it became empty, and the empty group goes too', async () => {
  const f = new CoordinatorFixture(testConfig({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 }));
  await f.load();
  await f.coordinator.commitOffsets(commitRequest('simple', { events: [[0, 1]] }), 8);
  // A consumer group: commits, then its only member leaves 30 s later.
  const id = await memberIdFor(f.coordinator, 'consumers', 'a');
  const join = rejoin(f.coordinator, 'consumers', 'a', id);
  await f.advance(3000);
  await syncAll(f.coordinator, 'consumers', [await join]);
  await f.coordinator.commitOffsets(commitRequest('consumers', { events: [[1, 2]] }, { generationId: 1, memberId: id }), 8);
  for (let i = 0; i < 10; i++) {
    await f.advance(3000);
    await f.coordinator.heartbeat({ groupId: 'consumers', memberId: id, generationId: 1, groupInstanceId: null }, 4);
  }
  await f.coordinator.leaveGroup({ groupId: 'consumers', memberId: '', members: [{ memberId: id, groupInstanceId: null, reason: null }] }, 5);
  assert.equal(f.coordinator.groups.get('consumers')!.stateName(), 'Empty');

  // 60 s after the simple group's commit (t=0) its offset has expired; the consumer group's is kept.
  await f.advance(30_000);
  assert.equal(f.coordinator.groups.has('simple'), false, 'the simple group is deleted with its last offset');
  assert.deepEqual(offsetsOf(await fetchV7(f, 'simple', { events: [0] })), { 'events-0': -1 });
  assert.deepEqual(offsetsOf(await fetchV7(f, 'consumers', { events: [1] })), { 'events-1': 2 });
  // A full retention period after the group became empty, its offsets and the group go.
  await f.advance(40_000);
  assert.equal(f.coordinator.groups.has('consumers'), false);
  const tombstones = f.log.allRecords().filter((r) => r.value === null).map((r) => r.type).sort();
  assert.deepEqual(tombstones, ['group-metadata', 'group-metadata', 'offset-commit', 'offset-commit']);
  // And a restart does not bring them back.
  await f.restart();
  assert.equal(f.coordinator.groups.size, 0);
});

test('a Stable consumer group keeps the offsets of topics it subscribes to and expires the others', async () => {
  const f = new CoordinatorFixture(testConfig({ offsetsRetentionMs: 20_000, offsetsRetentionCheckIntervalMs: 5000 }));
  await f.load();
  const id = await memberIdFor(f.coordinator, 'g', 'a', { sessionTimeoutMs: 600_000 });
  const join = rejoin(f.coordinator, 'g', 'a', id, { sessionTimeoutMs: 600_000 });
  await f.advance(3000);
  await syncAll(f.coordinator, 'g', [await join]);
  await f.coordinator.commitOffsets(commitRequest('g', { events: [[0, 1]], orders: [[0, 2]] }, { generationId: 1, memberId: id }), 8);
  await f.advance(25_000);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'g', null)), { 'events-0': 1 });
  assert.equal(f.coordinator.groups.get('g')!.stateName(), 'Stable');
});

test('an OffsetCommit v2-4 retention time sets the offset\'s own expiry', async () => {
  const f = new CoordinatorFixture(testConfig({ offsetsRetentionMs: 1_000_000, offsetsRetentionCheckIntervalMs: 1000 }));
  await f.load();
  await f.coordinator.commitOffsets({ ...commitRequest('g', { events: [[0, 1]] }), retentionTimeMs: 5000 }, 2);
  await f.advance(4000);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'g', { events: [0] })), { 'events-0': 1 });
  await f.advance(1000);
  assert.deepEqual(offsetsOf(await fetchV7(f, 'g', { events: [0] })), { 'events-0': -1 });
});
