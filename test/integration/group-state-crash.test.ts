/**
 * Group state is durable: a `samsa start` process killed with SIGKILL while a group member commits
 * offsets comes back with every commit it acknowledged (each partition's committed offset is at
 * least the last one acknowledged, and no more than the last one sent), and with the group itself —
 * the same member, generation and assignment, Stable, so the member goes on heartbeating without a
 * rebalance, as after a Kafka coordinator failover.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type {
  DescribeGroupsResponse, FindCoordinatorResponse, HeartbeatResponse, JoinGroupResponse, OffsetCommitResponse, OffsetFetchResponse, SyncGroupResponse,
} from '../../src/protocol/generated/index.js';
import { BrokerProcess, createTopic } from '../support/interop/interop-broker.js';
import { RawClient } from '../support/raw-client.js';

const GROUP = 'durable-group';
const TOPIC = 'orders';
const PARTITIONS = 4;
const KILL_AFTER_ACKS = 200;

async function joinAsOnlyMember(client: RawClient): Promise<{ memberId: string; generationId: number; assignment: Buffer }> {
  const found = await client.request<FindCoordinatorResponse>(10, 4, { key: '', keyType: 0, coordinatorKeys: [GROUP] });
  assert.equal(found.coordinators[0]!.errorCode, ErrorCode.NONE);
  const join = (memberId: string): Promise<JoinGroupResponse> => client.request<JoinGroupResponse>(11, 5, {
    groupId: GROUP, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0, 255, 255, 255, 255]) }], reason: null,
  });
  let joined = await join('');
  if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await join(joined.memberId);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const assignment = Buffer.from('all four partitions');
  const synced = await client.request<SyncGroupResponse>(14, 3, {
    groupId: GROUP, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null,
    protocolType: null, protocolName: null, assignments: [{ memberId: joined.memberId, assignment }],
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  assert.deepEqual(synced.assignment, assignment);
  return { memberId: joined.memberId, generationId: joined.generationId, assignment };
}

test('a SIGKILL loses no acknowledged OffsetCommit, and the group comes back Stable with its member', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-group-crash-'));
  const started: BrokerProcess[] = [];
  const clients: RawClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    for (const b of started) await b.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const first = await BrokerProcess.start(dataDir);
  started.push(first);
  await createTopic(first.port, TOPIC, PARTITIONS);
  const client = await RawClient.connect('127.0.0.1', first.port);
  clients.push(client);
  const member = await joinAsOnlyMember(client);

  // One commit stream per partition, each commit awaited before the next; the kill lands mid-stream.
  const lastSent = new Array<number>(PARTITIONS).fill(-1);
  const lastAcked = new Array<number>(PARTITIONS).fill(-1);
  let acks = 0;
  let killed: Promise<void> | null = null;
  const stream = async (partition: number): Promise<void> => {
    for (let offset = 1; ; offset++) {
      lastSent[partition] = offset;
      let response: OffsetCommitResponse;
      try {
        response = await client.request<OffsetCommitResponse>(8, 8, {
          groupId: GROUP, generationIdOrMemberEpoch: member.generationId, memberId: member.memberId, groupInstanceId: null, retentionTimeMs: -1,
          topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: offset * 10, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: `commit ${offset}` }] }],
        });
      } catch {
        return; // the connection died with the broker
      }
      assert.equal(response.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
      lastAcked[partition] = offset;
      if (++acks >= KILL_AFTER_ACKS && killed === null) killed = first.stop('SIGKILL');
    }
  };
  await Promise.all([...Array(PARTITIONS).keys()].map(stream));
  assert.ok(killed !== null, `killed after ${KILL_AFTER_ACKS} acknowledged commits`);
  await killed;
  t.diagnostic(`acknowledged per partition: ${lastAcked.join(', ')}; sent: ${lastSent.join(', ')}`);

  const second = await BrokerProcess.start(dataDir, first.port);
  started.push(second);
  const after = await RawClient.connect('127.0.0.1', second.port);
  clients.push(after);
  await after.request<FindCoordinatorResponse>(10, 4, { key: '', keyType: 0, coordinatorKeys: [GROUP] });

  // The coordinator may still be loading its partitions just after start-up: retry that answer.
  let fetched: OffsetFetchResponse;
  for (let attempt = 0; ; attempt++) {
    fetched = await after.request<OffsetFetchResponse>(9, 8, {
      groupId: '', topics: [], requireStable: true, groups: [{ groupId: GROUP, memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }] }],
    });
    if (fetched.groups[0]!.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || attempt > 100) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(fetched.groups[0]!.errorCode, ErrorCode.NONE);
  for (const p of fetched.groups[0]!.topics[0]!.partitions) {
    const committed = p.committedOffset / 10;
    assert.ok(committed >= lastAcked[p.partitionIndex]! && committed <= lastSent[p.partitionIndex]!,
      `partition ${p.partitionIndex}: committed ${committed}, acknowledged ${lastAcked[p.partitionIndex]}, sent ${lastSent[p.partitionIndex]}`);
    assert.equal(p.metadata, `commit ${committed}`);
  }

  const described = await after.request<DescribeGroupsResponse>(15, 5, { groups: [GROUP], includeAuthorizedOperations: false });
  const group = described.groups[0]!;
  assert.equal(group.groupState, 'Stable');
  assert.deepEqual(group.members.map((m) => m.memberId), [member.memberId]);
  assert.deepEqual(group.members[0]!.memberAssignment, member.assignment);
  const heartbeat = await after.request<HeartbeatResponse>(12, 4, { groupId: GROUP, generationId: member.generationId, memberId: member.memberId, groupInstanceId: null });
  assert.equal(heartbeat.errorCode, ErrorCode.NONE, 'the member goes on in its generation, no rebalance');
});
