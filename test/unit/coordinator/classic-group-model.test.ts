/**
 * Model-based test of the classic group coordinator: random sequences of members joining (dynamic
 * and static), crashing (they stop heartbeating), leaving, restarting with the same instance id,
 * committing offsets, time passing and the coordinator itself restarting over its log, run against a
 * GroupCoordinator driven by a ManualScheduler. Simulated members behave as a Java consumer does:
 * join (with the MEMBER_ID_REQUIRED round trip), the leader assigns the partitions round-robin, sync,
 * heartbeat every 3 s, and rejoin on REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID.
 *
 * Checked after every step:
 * - within one generation each partition is owned by at most one member;
 * - the generation a member is told never goes backwards;
 * - committed offsets (fetched from the coordinator) equal the last commit it accepted, so they never
 *   go backwards, including across a coordinator restart that replays `__consumer_offsets`.
 * Checked once the run quiesces (no more crashes or leaves, a minute of heartbeats): the group is
 * Stable with exactly the live members, all at one generation, and every partition is assigned to
 * exactly one of them.
 *
 * Seeded (SAMSA_GROUP_SEED, SAMSA_GROUP_RUNS).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CoordinatorLog } from '../../../src/coordinator/group/coordinator-log.js';
import type { CoordinatorRecord } from '../../../src/coordinator/group/coordinator-record.js';
import { CoordinatorTimer } from '../../../src/coordinator/group/coordinator-timer.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type TopicMetadataSource } from '../../../src/coordinator/group/group.js';
import { GroupCoordinator } from '../../../src/coordinator/group/group-coordinator.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

const SEED = Number(process.env['SAMSA_GROUP_SEED'] ?? 20261125);
const RUNS = Number(process.env['SAMSA_GROUP_RUNS'] ?? 150);
const GROUP = 'model-group';
const TOPIC = 'events';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 20_000;
const HEARTBEAT_INTERVAL_MS = 3000;
const OFFSET_PARTITIONS = 3;

/** `__consumer_offsets` in memory: what an append acknowledged is what a restart reads back. */
class MemoryLog implements CoordinatorLog {
  readonly partitionCount = OFFSET_PARTITIONS;
  private readonly records: CoordinatorRecord[][] = Array.from({ length: OFFSET_PARTITIONS }, () => []);

  append(partition: number, records: readonly CoordinatorRecord[]): Promise<void> {
    this.records[partition]!.push(...records);
    return Promise.resolve();
  }

  async *read(partition: number): AsyncIterable<CoordinatorRecord> {
    yield* [...this.records[partition]!];
  }
}

const topics: TopicMetadataSource = {
  topic: (name) => (name === TOPIC ? { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionCount: PARTITIONS } : undefined),
  topicName: (id) => (id === 'AAAAAAAAAAAAAAAAAAAAAQ' ? TOPIC : undefined),
};

const quietLogger = { info(): void {}, warn(): void {}, error(): void {} };

/** A consumer subscription (version 0) as the Java client writes it: topics, no user data. */
function subscription(): Buffer {
  const name = Buffer.from(TOPIC);
  const out = Buffer.alloc(2 + 4 + 2 + name.length + 4);
  let at = out.writeInt16BE(0, 0);
  at = out.writeInt32BE(1, at);
  at = out.writeInt16BE(name.length, at);
  at += name.copy(out, at);
  out.writeInt32BE(-1, at);
  return out;
}

const encodeAssignment = (partitions: readonly number[]): Buffer => Buffer.from(JSON.stringify(partitions));
const decodeAssignment = (bytes: Buffer): number[] => (bytes.length === 0 ? [] : (JSON.parse(bytes.toString()) as number[]));

const RETRY_LATER: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

class Simulation {
  readonly scheduler = new ManualScheduler();
  readonly log = new MemoryLog();
  coordinator: GroupCoordinator;
  readonly members: SimMember[] = [];
  readonly violations: string[] = [];
  /** generation → partition → the member that was told it owns it. */
  readonly owners = new Map<number, Map<number, SimMember>>();
  /** The model of committed offsets: the last value the coordinator accepted per partition. */
  readonly committed = new Map<number, number>();
  private nextOffset = 1;
  private tickWaiters: (() => void)[] = [];

  constructor() {
    this.coordinator = this.newCoordinator();
  }

  newCoordinator(): GroupCoordinator {
    return new GroupCoordinator({
      config: { ...DEFAULT_GROUP_COORDINATOR_CONFIG, groupMinSessionTimeoutMs: 1000 },
      log: this.log, topics, timer: new CoordinatorTimer(this.scheduler), logger: quietLogger,
    });
  }

  async load(): Promise<void> {
    for (let p = 0; p < OFFSET_PARTITIONS; p++) await this.coordinator.onElection(p);
  }

  async restartCoordinator(): Promise<void> {
    this.coordinator.shutdown();
    this.coordinator = this.newCoordinator();
    await this.load();
    await settle();
  }

  /** Resolves at the next clock movement: members waiting out a coordinator error retry then. */
  nextTick(): Promise<void> {
    return new Promise((resolve) => this.tickWaiters.push(resolve));
  }

  async advance(ms: number): Promise<void> {
    for (let passed = 0; passed < ms; passed += 500) {
      this.scheduler.advance(Math.min(500, ms - passed));
      const waiters = this.tickWaiters;
      this.tickWaiters = [];
      for (const wake of waiters) wake();
      await settle();
      for (const member of this.members) await member.heartbeatIfDue();
      await settle();
    }
  }

  recordOwnership(member: SimMember): void {
    let byPartition = this.owners.get(member.generation);
    if (!byPartition) this.owners.set(member.generation, (byPartition = new Map()));
    for (const p of member.assignment) {
      const owner = byPartition.get(p);
      // A static member restarted without a rebalance takes over its dead predecessor's partitions (KIP-345).
      const isTakeover = owner !== undefined && owner.state === 'dead' && owner.instanceId !== null && owner.instanceId === member.instanceId;
      if (owner !== undefined && owner !== member && !isTakeover) {
        this.violations.push(`generation ${member.generation}: partition ${p} given to ${owner.clientId} and ${member.clientId}`);
      }
      byPartition.set(p, member);
    }
  }

  async commit(member: SimMember): Promise<void> {
    if (member.state !== 'stable' || member.assignment.length === 0) return;
    const offsets = member.assignment.map((p) => [p, this.nextOffset++] as const);
    const response = await this.coordinator.commitOffsets({
      groupId: GROUP, generationIdOrMemberEpoch: member.generation, memberId: member.memberId, groupInstanceId: member.instanceId,
      retentionTimeMs: -1,
      topics: [{ name: TOPIC, partitions: offsets.map(([p, o]) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null })) }],
    }, 8);
    for (const partition of response.topics[0]?.partitions ?? []) {
      if (partition.errorCode === ErrorCode.NONE) this.committed.set(partition.partitionIndex, offsets.find(([p]) => p === partition.partitionIndex)![1]);
    }
  }

  async checkOffsets(): Promise<void> {
    const response = await this.coordinator.fetchOffsets({ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }], groups: [], requireStable: false }, 7);
    assert.equal(response.errorCode, ErrorCode.NONE);
    for (const partition of response.topics[0]!.partitions) {
      const expected = this.committed.get(partition.partitionIndex) ?? -1;
      if (partition.committedOffset !== expected) this.violations.push(`partition ${partition.partitionIndex}: committed ${partition.committedOffset}, model says ${expected}`);
    }
  }
}

/** Lets every pending promise chain run (members' joins and syncs complete asynchronously). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

type MemberState = 'joining' | 'stable' | 'dead' | 'left';

class SimMember {
  memberId = '';
  generation = -1;
  assignment: number[] = [];
  state: MemberState = 'joining';
  private nextHeartbeatAt = 0;
  private lastGenerationSeen = -1;

  constructor(private readonly sim: Simulation, readonly clientId: string, readonly instanceId: string | null) {}

  get isLive(): boolean {
    return this.state === 'joining' || this.state === 'stable';
  }

  /** Joins and syncs until it holds an assignment of a generation (or it dies). */
  async join(): Promise<void> {
    this.state = 'joining';
    for (;;) {
      if (!this.isLive) return;
      const coordinator = this.sim.coordinator;
      const joined = await coordinator.joinGroup({ clientId: this.clientId, clientHost: '/127.0.0.1' }, {
        groupId: GROUP, sessionTimeoutMs: SESSION_TIMEOUT_MS, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, memberId: this.memberId,
        groupInstanceId: this.instanceId, protocolType: 'consumer', protocols: [{ name: 'roundrobin', metadata: subscription() }], reason: null,
      }, 9);
      if (!this.isLive) return;
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId;
        continue;
      }
      if (joined.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = '';
        continue;
      }
      if (RETRY_LATER.has(joined.errorCode) || joined.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
        await this.sim.nextTick();
        continue;
      }
      if (joined.errorCode !== ErrorCode.NONE) {
        this.sim.violations.push(`${this.clientId}: JoinGroup answered ${joined.errorCode}`);
        this.state = 'dead';
        return;
      }
      if (joined.generationId < this.lastGenerationSeen) this.sim.violations.push(`${this.clientId}: generation went from ${this.lastGenerationSeen} to ${joined.generationId}`);
      this.lastGenerationSeen = joined.generationId;
      this.memberId = joined.memberId;
      const assignments = joined.leader === joined.memberId ? roundRobin(joined.members.map((m) => m.memberId)) : [];
      const synced = await coordinator.syncGroup({
        groupId: GROUP, generationId: joined.generationId, memberId: this.memberId, groupInstanceId: this.instanceId,
        protocolType: 'consumer', protocolName: 'roundrobin', assignments,
      }, 5);
      if (!this.isLive) return;
      if (synced.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      if (synced.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || synced.errorCode === ErrorCode.ILLEGAL_GENERATION || synced.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) continue;
      if (RETRY_LATER.has(synced.errorCode)) {
        await this.sim.nextTick();
        continue;
      }
      if (synced.errorCode !== ErrorCode.NONE) {
        this.sim.violations.push(`${this.clientId}: SyncGroup answered ${synced.errorCode}`);
        this.state = 'dead';
        return;
      }
      this.generation = joined.generationId;
      this.assignment = decodeAssignment(synced.assignment);
      this.sim.recordOwnership(this);
      this.state = 'stable';
      this.nextHeartbeatAt = this.sim.scheduler.now() + HEARTBEAT_INTERVAL_MS;
      return;
    }
  }

  async heartbeatIfDue(): Promise<void> {
    if (this.state !== 'stable' || this.sim.scheduler.now() < this.nextHeartbeatAt) return;
    this.nextHeartbeatAt = this.sim.scheduler.now() + HEARTBEAT_INTERVAL_MS;
    const response = await this.sim.coordinator.heartbeat({ groupId: GROUP, generationId: this.generation, memberId: this.memberId, groupInstanceId: this.instanceId }, 4);
    if (this.state !== 'stable') return;
    switch (response.errorCode) {
      case ErrorCode.NONE:
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.memberId = '';
        break;
      case ErrorCode.REBALANCE_IN_PROGRESS:
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        break;
      default:
        this.sim.violations.push(`${this.clientId}: Heartbeat answered ${response.errorCode}`);
        this.state = 'dead';
        return;
    }
    // A consumer revokes everything before it rejoins (eager protocol).
    this.assignment = [];
    void this.join();
  }

  async leave(): Promise<void> {
    if (!this.isLive) return;
    const memberId = this.memberId;
    this.state = 'left';
    if (memberId === '') return;
    await this.sim.coordinator.leaveGroup({ groupId: GROUP, memberId: '', members: [{ memberId, groupInstanceId: this.instanceId, reason: 'model' }] }, 5);
  }
}

function roundRobin(memberIds: readonly string[]): { memberId: string; assignment: Buffer }[] {
  const sorted = [...memberIds].sort();
  const byMember = new Map<string, number[]>(sorted.map((id) => [id, []]));
  for (let p = 0; p < PARTITIONS; p++) byMember.get(sorted[p % sorted.length]!)!.push(p);
  return [...byMember].map(([memberId, partitions]) => ({ memberId, assignment: encodeAssignment(partitions) }));
}

type Command =
  | { readonly kind: 'add'; readonly isStatic: boolean }
  | { readonly kind: 'crash'; readonly pick: number }
  | { readonly kind: 'leave'; readonly pick: number }
  | { readonly kind: 'restart-static'; readonly pick: number }
  | { readonly kind: 'commit'; readonly pick: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'restart-coordinator' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), isStatic: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart-static' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(500, 2000, 4000, 12_000, 25_000) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart-coordinator' as const }) },
);

function pickLive(sim: Simulation, pick: number): SimMember | undefined {
  const live = sim.members.filter((m) => m.isLive);
  return live.length === 0 ? undefined : live[pick % live.length];
}

async function run(commands: readonly Command[]): Promise<void> {
  const sim = new Simulation();
  await sim.load();
  let clientCount = 0;
  for (const cmd of commands) {
    switch (cmd.kind) {
      case 'add': {
        const member = new SimMember(sim, `client-${clientCount}`, cmd.isStatic ? `instance-${clientCount}` : null);
        clientCount++;
        sim.members.push(member);
        void member.join();
        break;
      }
      case 'crash': {
        const member = pickLive(sim, cmd.pick);
        if (member) member.state = 'dead';
        break;
      }
      case 'leave':
        await pickLive(sim, cmd.pick)?.leave();
        break;
      case 'restart-static': {
        const statics = sim.members.filter((m) => m.isLive && m.instanceId !== null);
        const old = statics[cmd.pick % Math.max(1, statics.length)];
        if (!old) break;
        old.state = 'dead';
        const replacement = new SimMember(sim, `${old.clientId}-restarted`, old.instanceId);
        sim.members.push(replacement);
        void replacement.join();
        break;
      }
      case 'commit': {
        const member = pickLive(sim, cmd.pick);
        if (member) await sim.commit(member);
        break;
      }
      case 'advance':
        await sim.advance(cmd.ms);
        break;
      case 'restart-coordinator':
        await sim.restartCoordinator();
        break;
    }
    await settle();
    await sim.checkOffsets();
    assert.deepEqual(sim.violations, [], `after ${JSON.stringify(cmd)}`);
  }

  // Quiesce: a minute of heartbeats; the dead expire, the live settle on one generation.
  await sim.advance(60_000);
  await sim.checkOffsets();
  assert.deepEqual(sim.violations, []);
  const live = sim.members.filter((m) => m.isLive);
  const described = sim.coordinator.describeGroups({ groups: [GROUP], includeAuthorizedOperations: false }, 5).groups[0]!;
  if (live.length === 0) {
    assert.ok(['Empty', 'Dead'].includes(described.groupState), `no live member, yet the group is ${described.groupState}`);
    return;
  }
  assert.equal(described.groupState, 'Stable');
  assert.deepEqual(described.members.map((m) => m.memberId).sort(), live.map((m) => m.memberId).sort());
  assert.ok(live.every((m) => m.state === 'stable' && m.generation === live[0]!.generation), 'live members on one generation');
  assert.deepEqual(live.flatMap((m) => m.assignment).sort((a, b) => a - b), [...Array(PARTITIONS).keys()], 'every partition owned once');
}

test('classic groups: random joins, crashes, leaves, static restarts, commits and coordinator restarts keep the invariants', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => run(commands)),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});
