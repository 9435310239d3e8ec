/**
 * ConsumerGroupManager driven directly: heartbeats in, records written and responses out, time from a
 * ManualScheduler. The last tests feed every record written into a fresh manager and check it holds
 * the same groups.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClassicGroup } from '../../../src/coordinator/group/classic-group.js';
import { ConsumerGroup } from '../../../src/coordinator/group/consumer-group.js';
import { ConsumerGroupManager } from '../../../src/coordinator/group/consumer-group-manager.js';
import { MemberState } from '../../../src/coordinator/group/consumer-group-member.js';
import type { CoordinatorRecord } from '../../../src/coordinator/group/coordinator-record.js';
import { CoordinatorTimer } from '../../../src/coordinator/group/coordinator-timer.js';
import {
  DEFAULT_GROUP_COORDINATOR_CONFIG, type Group, type GroupCoordinatorConfig, type TopicMetadataSource,
} from '../../../src/coordinator/group/group.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import {
  type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse, defaultConsumerGroupHeartbeatRequest,
  defaultGroupMetadataValue, defaultGroupMetadataValueMemberMetadata,
} from '../../../src/protocol/generated/index.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

const SESSION_TIMEOUT_MS = DEFAULT_GROUP_COORDINATOR_CONFIG.consumerGroupSessionTimeoutMs;

class Harness {
  readonly scheduler = new ManualScheduler();
  readonly timer = new CoordinatorTimer(this.scheduler);
  readonly groups = new Map<string, Group>();
  readonly log: CoordinatorRecord[] = [];
  readonly topicsByName = new Map<string, { topicId: string; partitionCount: number }>();
  failWrites: KafkaError | null = null;
  readonly manager: ConsumerGroupManager;

  constructor(topics: Record<string, number> = { orders: 4 }, config: Partial<GroupCoordinatorConfig> = {}, canListTopics = true) {
    for (const [name, count] of Object.entries(topics)) this.setTopic(name, count);
    const source: TopicMetadataSource = {
      topic: (name) => this.topicsByName.get(name),
      topicName: (id) => [...this.topicsByName].find(([, t]) => t.topicId === id)?.[0],
      ...(canListTopics ? { topicNames: () => this.topicsByName.keys() } : {}),
    };
    this.manager = new ConsumerGroupManager({
      config: { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...config },
      topics: source,
      timer: this.timer,
      groups: this.groups,
      write: async (_groupId, records) => {
        if (this.failWrites !== null) throw this.failWrites;
        this.log.push(...records);
      },
    });
  }

  setTopic(name: string, partitionCount: number): void {
    this.topicsByName.set(name, { topicId: `id-${name}`, partitionCount });
  }

  group(groupId = 'g'): ConsumerGroup {
    const group = this.groups.get(groupId);
    assert.ok(group instanceof ConsumerGroup, `consumer group ${groupId} exists`);
    return group;
  }

  heartbeat(fields: Partial<ConsumerGroupHeartbeatRequest>, apiVersion = 1): Promise<ConsumerGroupHeartbeatResponse> {
    const request = { ...defaultConsumerGroupHeartbeatRequest(), groupId: 'g', ...fields };
    return this.manager.heartbeat({ clientId: 'client', clientHost: '/127.0.0.1' }, request, apiVersion);
  }

  join(memberId: string, topics: string[], fields: Partial<ConsumerGroupHeartbeatRequest> = {}): Promise<ConsumerGroupHeartbeatResponse> {
    return this.heartbeat({ memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [], ...fields });
  }

  /** A heartbeat reporting `owned` (partitions of `orders`). */
  beat(memberId: string, memberEpoch: number, owned: number[] | null, fields: Partial<ConsumerGroupHeartbeatRequest> = {}): Promise<ConsumerGroupHeartbeatResponse> {
    const topicPartitions = owned === null ? null : [{ topicId: 'id-orders', partitions: owned }];
    return this.heartbeat({ memberId, memberEpoch, topicPartitions, ...fields });
  }

  /** Lets timer-started fences finish their writes. */
  async advance(ms: number): Promise<void> {
    this.scheduler.advance(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function partitionsOf(response: ConsumerGroupHeartbeatResponse, topicId = 'id-orders'): number[] | null {
  if (response.assignment === null) return null;
  return response.assignment.topicPartitions.find((t) => t.topicId === topicId)?.partitions ?? [];
}

function ok(response: ConsumerGroupHeartbeatResponse): ConsumerGroupHeartbeatResponse {
  assert.equal(response.errorCode, ErrorCode.NONE, `${response.errorCode}: ${response.errorMessage}`);
  return response;
}

test('the first member to join gets epoch 1 and every partition, written before the answer', async () => {
  const h = new Harness();
  const response = ok(await h.join('m1', ['orders']));
  assert.equal(response.memberId, 'm1');
  assert.equal(response.memberEpoch, 1);
  assert.equal(response.heartbeatIntervalMs, 5000);
  assert.deepEqual(partitionsOf(response), [0, 1, 2, 3]);
  assert.deepEqual(h.log.map((r) => r.type), [
    'consumer-group-member-metadata', 'consumer-group-partition-metadata', 'consumer-group-metadata',
    'consumer-group-target-assignment-member', 'consumer-group-target-assignment-metadata', 'consumer-group-current-member-assignment',
  ]);
  const group = h.group();
  assert.equal(group.stateName(), 'Stable');
  assert.equal(group.groupEpoch, 1);
  assert.equal(group.targetAssignmentEpoch, 1);
});

test('an unchanged heartbeat writes nothing and carries no assignment', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  const written = h.log.length;
  const response = ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  assert.equal(response.memberEpoch, 1);
  assert.equal(response.assignment, null);
  assert.equal(h.log.length, written);
});

test('v0 members get a member id from the coordinator; v1 members must bring their own', async () => {
  const h = new Harness();
  const join = { memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['orders'], topicPartitions: [] };
  const v1 = await h.heartbeat(join, 1);
  assert.equal(v1.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(v1.errorMessage, "MemberId can't be empty.");
  const v0 = ok(await h.heartbeat(join, 0));
  assert.match(v0.memberId!, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(h.group().member(v0.memberId!), undefined);
});

test('a second member gets partitions only after the first has revoked them', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  const joined = ok(await h.join('m2', ['orders']));
  assert.equal(joined.memberEpoch, 2);
  assert.deepEqual(partitionsOf(joined), [], 'its partitions are still owned by m1');
  assert.equal(h.group().member('m2')!.state, MemberState.UNRELEASED_PARTITIONS);

  const revoke = ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  assert.equal(revoke.memberEpoch, 1, 'the epoch stays until the revocation is acknowledged');
  const kept = partitionsOf(revoke)!;
  assert.equal(kept.length, 2);
  assert.equal(h.group().member('m1')!.state, MemberState.UNREVOKED_PARTITIONS);
  assert.equal(h.group().stateName(), 'Reconciling');

  assert.equal(ok(await h.beat('m2', 2, [])).assignment, null, 'nothing released yet, nothing changed');
  const stillOwning = ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  assert.equal(stillOwning.memberEpoch, 1);

  const revoked = ok(await h.beat('m1', 1, kept));
  assert.equal(revoked.memberEpoch, 2);
  const released = ok(await h.beat('m2', 2, []));
  assert.deepEqual(partitionsOf(released), [0, 1, 2, 3].filter((p) => !kept.includes(p)));
  assert.equal(h.group().stateName(), 'Stable');
});

test('a member leaving with epoch -1 is tombstoned and the group epoch bumped', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  ok(await h.join('m2', ['orders']));
  const before = h.log.length;
  const left = ok(await h.beat('m2', -1, null));
  assert.equal(left.memberEpoch, -1);
  assert.deepEqual(h.log.slice(before).map((r) => [r.type, r.type === 'consumer-group-metadata' ? r.value?.epoch : 'memberId' in r && r.value === null]), [
    ['consumer-group-current-member-assignment', true], ['consumer-group-target-assignment-member', true],
    ['consumer-group-member-metadata', true], ['consumer-group-metadata', 3],
  ]);
  assert.equal(h.group().member('m2'), undefined);
  const back = ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  assert.equal(back.memberEpoch, 3);
  assert.deepEqual(h.group().targetAssignment('m1').get('id-orders'), new Set([0, 1, 2, 3]));
});

test('a static member stepping away (-2) keeps its partitions, and its restart takes them over', async () => {
  const h = new Harness();
  ok(await h.join('s1', ['orders'], { instanceId: 'i1' }));
  const left = ok(await h.beat('s1', -2, null, { instanceId: 'i1' }));
  assert.equal(left.memberEpoch, -2);
  assert.equal(h.group().member('s1')!.memberEpoch, -2);
  ok(await h.join('d1', ['orders']));
  ok(await h.beat('d1', h.group().member('d1')!.memberEpoch, []));
  assert.equal(h.group().member('d1')!.assignedPartitions.size, 0, 'the away member still holds its partitions');

  const target = [...h.group().targetAssignment('s1').get('id-orders')!].sort();
  const restarted = ok(await h.join('s1-restarted', ['orders'], { instanceId: 'i1' }));
  assert.deepEqual(partitionsOf(restarted), target);
  assert.equal(h.group().member('s1'), undefined);
  assert.equal(h.group().staticMemberId('i1'), 's1-restarted');
});

test('the instance id of an active static member is not released to another', async () => {
  const h = new Harness();
  ok(await h.join('s1', ['orders'], { instanceId: 'i1' }));
  const response = await h.join('s2', ['orders'], { instanceId: 'i1' });
  assert.equal(response.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  const fenced = await h.beat('s2', 1, [], { instanceId: 'i1' });
  assert.equal(fenced.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const unknown = await h.beat('s3', 1, [], { instanceId: 'i9' });
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member silent for group.consumer.session.timeout.ms is fenced', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  ok(await h.join('m2', ['orders']));
  await h.advance(SESSION_TIMEOUT_MS - 5000);
  ok(await h.beat('m1', 1, null));
  await h.advance(10_000);
  assert.equal(h.group().member('m2'), undefined, 'm2 expired');
  assert.notEqual(h.group().member('m1'), undefined, 'm1 heartbeated in time');
  assert.equal(h.group().groupEpoch, 3);
  assert.equal((await h.beat('m2', 2, [])).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member that does not revoke within its rebalance timeout is fenced', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders'], { rebalanceTimeoutMs: 10_000 }));
  ok(await h.join('m2', ['orders']));
  ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  assert.equal(h.group().member('m1')!.state, MemberState.UNREVOKED_PARTITIONS);
  await h.advance(5000);
  ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  await h.advance(5000);
  assert.equal(h.group().member('m1'), undefined);
  assert.equal((await h.beat('m1', 1, [0, 1, 2, 3])).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const m2 = ok(await h.beat('m2', 2, []));
  assert.deepEqual(partitionsOf(m2), [0, 1, 2, 3]);
});

test('member epochs are checked as Kafka checks them', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  assert.equal((await h.beat('m1', 5, [])).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  ok(await h.join('m2', ['orders']));
  ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  const kept = [...h.group().member('m1')!.assignedPartitions.get('id-orders')!];
  ok(await h.beat('m1', 1, kept));
  assert.equal(h.group().member('m1')!.memberEpoch, 2);
  // The previous epoch is accepted with owned partitions within the assignment (a lost response).
  assert.equal(ok(await h.beat('m1', 1, kept)).memberEpoch, 2);
  assert.equal((await h.beat('m1', 1, [0, 1, 2, 3])).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal((await h.beat('m1', 1, null)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  // A fenced member rejoins with epoch 0 under its own id (KIP-848, KAFKA-19233).
  assert.equal(ok(await h.join('m1', ['orders'])).memberEpoch, 2);
  assert.equal((await h.beat('nobody', 2, [])).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await h.heartbeat({ groupId: 'other', memberId: 'm1', memberEpoch: 1 })).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('invalid requests are refused before the group is looked at', async () => {
  const h = new Harness();
  const cases: [Partial<ConsumerGroupHeartbeatRequest>, number, number][] = [
    [{ memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['orders'], topicPartitions: [] }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicNames: ['orders'] }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 1, topicPartitions: [] }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicNames: ['orders'], topicPartitions: [] }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: '', memberEpoch: 3 }, 0, ErrorCode.INVALID_REQUEST],
    [{ memberId: 'm', memberEpoch: -2 }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: 'm', memberEpoch: -3 }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: 'm', memberEpoch: 1, instanceId: ' ' }, 1, ErrorCode.INVALID_REQUEST],
    [{ groupId: '', memberId: 'm', memberEpoch: 1 }, 1, ErrorCode.INVALID_REQUEST],
    [{ memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicRegex: 'ord(', topicPartitions: [] }, 1, ErrorCode.INVALID_REGULAR_EXPRESSION],
    [{ memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicRegex: 'a(?=b)', topicPartitions: [] }, 1, ErrorCode.INVALID_REGULAR_EXPRESSION],
    [{ memberId: 'm', memberEpoch: 1, serverAssignor: 'sticky' }, 1, ErrorCode.UNSUPPORTED_ASSIGNOR],
  ];
  for (const [fields, version, code] of cases) {
    const response = await h.heartbeat(fields, version);
    assert.equal(response.errorCode, code, JSON.stringify(fields));
    assert.ok(response.errorMessage !== null && response.errorMessage.length > 0);
  }
  assert.equal(h.log.length, 0);
  assert.equal(h.groups.size, 0);
});

test('a regex subscription gets the topics it matches whole, including ones created later', async () => {
  const h = new Harness({ 'orders-eu': 2, 'orders-us': 1, payments: 1, 'old-orders-eu': 1 });
  const joined = ok(await h.join('m1', [], { subscribedTopicRegex: 'orders-.*' }));
  assert.deepEqual(partitionsOf(joined, 'id-orders-eu'), [0, 1]);
  assert.deepEqual(partitionsOf(joined, 'id-orders-us'), [0]);
  assert.equal(joined.assignment!.topicPartitions.length, 2);
  assert.ok(h.group().isSubscribedToTopic('orders-asia'));
  assert.ok(!h.group().isSubscribedToTopic('payments'));
  h.setTopic('orders-asia', 2);
  const grown = ok(await h.beat('m1', 1, null));
  assert.equal(grown.memberEpoch, 2);
  assert.deepEqual(partitionsOf(grown, 'id-orders-asia'), [0, 1]);
  assert.equal(h.manager.describe(['g'], false)[0]!.members[0]!.subscribedTopicRegex, 'orders-.*');
  // A member subscribed by name next to it: the group is heterogeneous, each topic to its subscribers.
  ok(await h.join('m2', ['payments', 'orders-us'], { subscribedTopicRegex: '' }));
  assert.deepEqual(h.group().targetAssignment('m2').get('id-payments'), new Set([0]));
  assert.ok([...h.group().targetAssignment('m2').keys()].every((t) => t === 'id-payments' || t === 'id-orders-us'));
  assert.equal(h.group().targetAssignment('m1').has('id-payments'), false);
});

test('an empty regex is no regex subscription (librdkafka sends one on every full heartbeat)', async () => {
  const h = new Harness({ orders: 2 }, {}, false);
  const joined = ok(await h.join('m1', ['orders'], { subscribedTopicRegex: '' }));
  assert.deepEqual(partitionsOf(joined), [0, 1]);
  const refused = await h.join('m2', [], { subscribedTopicRegex: 'orders' });
  assert.equal(refused.errorCode, ErrorCode.INVALID_REQUEST, 'no topic listing, no regex');
});

test('a full group refuses new members but not its own', async () => {
  const h = new Harness({ orders: 4 }, { consumerGroupMaxSize: 1 });
  ok(await h.join('m1', ['orders']));
  assert.equal((await h.join('m2', ['orders'])).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  ok(await h.beat('m1', 1, null));
});

test('a group id held by a classic group: an empty one is replaced, one with members is not a consumer group', async () => {
  const h = new Harness();
  h.groups.set('g', new ClassicGroup('g', () => h.scheduler.now()));
  ok(await h.join('m1', ['orders']));
  assert.deepEqual(h.log[0], { type: 'group-metadata', groupId: 'g', value: null });
  assert.ok(h.groups.get('g') instanceof ConsumerGroup);

  const busy = ClassicGroup.fromRecord('busy', {
    ...defaultGroupMetadataValue(), protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'c1',
    members: [{ ...defaultGroupMetadataValueMemberMetadata(), memberId: 'c1', sessionTimeout: 10_000, rebalanceTimeout: 10_000 }],
  }, () => h.scheduler.now());
  h.groups.set('busy', busy);
  const refused = await h.join('m1', ['orders'], { groupId: 'busy' });
  assert.equal(refused.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.match(refused.errorMessage!, /not a consumer group/);
  const described = h.manager.describe(['busy', 'missing', 'g', ''], true);
  assert.deepEqual(described.map((d) => d.errorCode), [ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.NONE, ErrorCode.INVALID_GROUP_ID]);
});

test('more partitions for a subscribed topic bump the group epoch and reach the members', async () => {
  const h = new Harness({ orders: 2 });
  ok(await h.join('m1', ['orders', 'later']));
  assert.equal(h.group().groupEpoch, 1);
  h.setTopic('orders', 4);
  const grown = ok(await h.beat('m1', 1, [0, 1]));
  assert.equal(grown.memberEpoch, 2);
  assert.deepEqual(partitionsOf(grown), [0, 1, 2, 3]);
  const metadata = h.log.filter((r) => r.type === 'consumer-group-partition-metadata').at(-1);
  assert.deepEqual(metadata?.value?.topics.map((t) => [t.topicName, t.numPartitions]), [['orders', 4]]);
  h.setTopic('later', 1);
  const created = ok(await h.beat('m1', 2, [0, 1, 2, 3]));
  assert.equal(created.memberEpoch, 3);
  assert.deepEqual(partitionsOf(created, 'id-later'), [0]);
});

test('a member asking for the range assignor gets it, and describe says so', async () => {
  const h = new Harness({ orders: 4 });
  ok(await h.join('b', ['orders'], { serverAssignor: 'range' }));
  ok(await h.join('a', ['orders'], { serverAssignor: 'range' }));
  const [described] = h.manager.describe(['g'], false);
  assert.equal(described!.assignorName, 'range');
  assert.equal(described!.authorizedOperations, -2147483648);
  assert.deepEqual([...h.group().targetAssignment('a').get('id-orders')!], [0, 1]);
  const members = new Map(described!.members.map((m) => [m.memberId, m]));
  assert.deepEqual(members.get('a')!.targetAssignment.topicPartitions, [{ topicId: 'id-orders', topicName: 'orders', partitions: [0, 1] }]);
  assert.equal(members.get('a')!.clientHost, '/127.0.0.1');
  assert.equal(h.manager.describe(['g'], true)[0]!.authorizedOperations, (1 << 3) | (1 << 6) | (1 << 8));
});

test('a failed write changes nothing and answers as Kafka maps append errors', async () => {
  const h = new Harness();
  h.failWrites = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal((await h.join('m1', ['orders'])).errorCode, ErrorCode.NOT_COORDINATOR);
  h.failWrites = new KafkaError(ErrorCode.REQUEST_TIMED_OUT);
  assert.equal((await h.join('m1', ['orders'])).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(h.groups.size, 0);
  h.failWrites = null;
  assert.equal(ok(await h.join('m1', ['orders'])).memberEpoch, 1);
});

test('offset commits and deletes are validated against member epochs', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  const group = h.group();
  group.validateOffsetCommit('m1', null, 1, false, 9);
  assert.throws(() => group.validateOffsetCommit('m1', null, 0, false, 9), (e: KafkaError) => e.code === ErrorCode.STALE_MEMBER_EPOCH);
  assert.throws(() => group.validateOffsetCommit('x', null, 1, false, 9), (e: KafkaError) => e.code === ErrorCode.UNKNOWN_MEMBER_ID);
  assert.throws(() => group.validateOffsetCommit('', null, -1, false, 9), (e: KafkaError) => e.code === ErrorCode.UNKNOWN_MEMBER_ID);
  assert.throws(() => group.validateOffsetFetch('m1', 7), (e: KafkaError) => e.code === ErrorCode.STALE_MEMBER_EPOCH);
  group.validateOffsetFetch(null, -1);
  assert.throws(() => group.validateDeleteGroup(), (e: KafkaError) => e.code === ErrorCode.NON_EMPTY_GROUP);
  assert.ok(group.isSubscribedToTopic('orders'));
  ok(await h.beat('m1', -1, null));
  group.validateOffsetCommit('', null, -1, false, 2);
  group.validateDeleteGroup();
  assert.equal(group.stateName(), 'Empty');
});

test('deleting the group through its tombstones removes it', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  ok(await h.beat('m1', -1, null));
  for (const record of h.group().tombstoneRecords()) h.manager.replay(record);
  assert.equal(h.groups.has('g'), false);
});

/** Everything replay must reproduce, as plain data. */
function snapshot(groups: ReadonlyMap<string, Group>): unknown {
  const out: Record<string, unknown> = {};
  for (const [groupId, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!(group instanceof ConsumerGroup)) continue;
    const plain = (a: ReadonlyMap<string, ReadonlySet<number>>): [string, number[]][] =>
      [...a].map(([t, ps]): [string, number[]] => [t, [...ps].sort((x, y) => x - y)]).sort();
    out[groupId] = {
      groupEpoch: group.groupEpoch,
      targetAssignmentEpoch: group.targetAssignmentEpoch,
      state: group.stateName(),
      subscription: [...group.subscriptionMetadata.values()].sort((a, b) => (a.topicName < b.topicName ? -1 : 1)),
      targets: [...group.targetAssignments].map(([m, a]) => [m, plain(a)]).sort(),
      members: [...group.members.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : 1)).map((m) => ({
        ...m, assignedPartitions: plain(m.assignedPartitions), partitionsPendingRevocation: plain(m.partitionsPendingRevocation),
      })),
    };
  }
  return out;
}

test('replaying the written records into a fresh manager reproduces the groups', async () => {
  const h = new Harness({ orders: 4, audit: 3 });
  ok(await h.join('m1', ['orders'], { rebalanceTimeoutMs: 20_000 }));
  ok(await h.join('m2', ['orders', 'audit']));
  ok(await h.beat('m1', 1, [0, 1, 2, 3]));
  ok(await h.join('s1', ['audit'], { instanceId: 'i1', serverAssignor: 'uniform' }));
  ok(await h.beat('s1', h.group().member('s1')!.memberEpoch, [], { instanceId: 'i1' }));
  ok(await h.join('r1', [], { subscribedTopicRegex: 'aud.*', serverAssignor: 'range' }));
  ok(await h.join('x', ['orders'], { groupId: 'other' }));
  ok(await h.beat('x', -1, null, { groupId: 'other' }));
  ok(await h.beat('s1', -2, null, { instanceId: 'i1' }));
  h.setTopic('orders', 6);
  ok(await h.beat('m2', h.group().member('m2')!.memberEpoch, [], { subscribedTopicNames: ['orders'] }));

  const fresh = new Harness({ orders: 6, audit: 3 });
  for (const record of h.log) fresh.manager.replay(record);
  assert.deepEqual(snapshot(fresh.groups), snapshot(h.groups));

  // Members known only from the log get a session: the silent ones are fenced once it passes.
  await fresh.advance(SESSION_TIMEOUT_MS);
  assert.equal(fresh.group().members.size, 0);
});

test('a partition unloaded: its groups and deadlines go', async () => {
  const h = new Harness();
  ok(await h.join('m1', ['orders']));
  ok(await h.join('m1', ['orders'], { groupId: 'kept' }));
  h.manager.onPartitionUnloaded((groupId) => groupId === 'g');
  assert.equal(h.groups.has('g'), false);
  assert.equal(h.groups.has('kept'), true);
  const written = h.log.length;
  await h.advance(SESSION_TIMEOUT_MS);
  assert.equal(h.log.length, written + 5, 'only the loaded group\'s member expired');
});
