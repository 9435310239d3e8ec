/**
 * The group coordinator: Samsa (`samsa start`, a child process) beside librdkafka's in-memory mock
 * cluster (2.0.2), driven by the same raw-protocol members (bench/group-member.ts) in the same run.
 *
 * - join to stable: N = 1, 10, 100 members, each on its own connection, join a fresh group
 *   (protocol type "consumer", one protocol "range", a 100-partition topic); the leader assigns
 *   ranges. Timed from the first JoinGroup sent until every member holds its SyncGroup answer for
 *   the same generation, of N members. Samsa runs with group.initial.rebalance.delay.ms=0, and once
 *   more with Kafka's default 3000 ms for N=10. The mock's rounds alternate with Samsa's first
 *   ones; median and p90.
 *   The mock has no such setting: the first JoinGroup of an empty group always starts a fixed
 *   3000 ms timer, and the leader is elected when it fires, however many members have joined
 *   (rdkafka_mock_cgrp.c, rd_kafka_mock_cgrp_rebalance). Its figure is that wait plus the rest.
 * - OffsetCommit throughput: the one member of a stable group commits 1 and 100 partitions per
 *   request, one request at a time and 32 in flight, on its connection. The mock keeps offsets in
 *   memory; Samsa appends each commit to `__consumer_offsets` and answers once it is written.
 *
 * Run: `npx tsc -p tsconfig.json --incremental false && node dist/bench/group-coordinator.js`
 * (SAMSA_BENCH_ROUNDS, default 5: join rounds against the mock and Samsa at 3000 ms; Samsa at 0 ms
 * gets three times as many). Builds the mock cluster into /tmp on first use; temp dirs are removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTopics } from '../src/client/admin.js';
import { KafkaConnection } from '../src/client/kafka-connection.js';
import { ErrorCode, errorName } from '../src/protocol/error-codes.js';
import type { OffsetCommitResponse } from '../src/protocol/generated/index.js';
import { buildTools, killStartedChildren, librdkafkaVersion, startMockCluster, startSamsa, type MockCluster, type SamsaProcess } from './broker-processes.js';
import { GroupMember, type MemberObserver, type MemberSettings } from './group-member.js';
import { commit, environment, machine } from './measure.js';
import type { EncodedRequest, RawConnection } from './raw-connection.js';

const BENCH_STARTED_AT = performance.now();
const ROUNDS = Math.max(1, Number(process.env['SAMSA_BENCH_ROUNDS'] ?? 5));
const FAST_ROUNDS = 3 * ROUNDS;
const GROUP_SIZES = [1, 10, 100];
const DELAYED_GROUP_SIZE = 10;
const TOPIC = 'bench-groups';
const PARTITIONS = 100;
/** The Java consumer's defaults (session.timeout.ms, max.poll.interval.ms). */
const SESSION_TIMEOUT_MS = 45_000;
const REBALANCE_TIMEOUT_MS = 300_000;
/** Clients default to 3000 ms; a member that already holds an older generation learns of a rebalance from its next heartbeat. */
const JOIN_HEARTBEAT_INTERVAL_MS = 100;
const COMMIT_HEARTBEAT_INTERVAL_MS = 1_000;
const ROUND_TIMEOUT_MS = 60_000;
/** How long a leader waits for its followers' SyncGroups to be on the wire before sending its own anyway. */
const FOLLOWERS_WAIT_MS = 5_000;
const COMMIT_WARMUP_MS = 300;
const COMMIT_RUN_MS = 1_500;
const COMMIT_RUNS = 2;
const COMMIT_SHAPES: readonly CommitShape[] = [
  { partitions: 1, inFlight: 1 }, { partitions: 1, inFlight: 32 }, { partitions: 100, inFlight: 1 }, { partitions: 100, inFlight: 32 },
];

interface CommitShape {
  readonly partitions: number;
  readonly inFlight: number;
}

interface StableGroup {
  readonly generationId: number;
  /** performance.now() when the last member read its SyncGroup answer. */
  readonly at: number;
}

/**
 * One round's view of its members: resolves `stable` the moment all `memberCount` members hold
 * their SyncGroup answers for one generation whose leader saw `memberCount` members; and lets the
 * leader wait until its followers' SyncGroups are on the wire (see group-member.ts).
 */
class GroupRound implements MemberObserver {
  readonly stable: Promise<StableGroup>;
  private resolveStable!: (stable: StableGroup) => void;
  private rejectStable!: (err: Error) => void;
  private readonly syncedGenerationOf = new Map<GroupMember, number>();
  private readonly sizeOfGeneration = new Map<number, number>();
  private readonly syncSentBy = new Map<number, Set<string>>();
  private readonly waiters = new Set<() => void>();
  private isSettled = false;

  constructor(private readonly memberCount: number) {
    this.stable = new Promise((resolve, reject) => {
      this.resolveStable = resolve;
      this.rejectStable = reject;
    });
    this.stable.then(() => { this.isSettled = true; }, () => { this.isSettled = true; });
  }

  syncSent(memberId: string, generationId: number): void {
    let sent = this.syncSentBy.get(generationId);
    if (!sent) this.syncSentBy.set(generationId, sent = new Set());
    sent.add(memberId);
    for (const check of this.waiters) check();
  }

  followersSent(memberIds: readonly string[], generationId: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        const sent = this.syncSentBy.get(generationId);
        if (!memberIds.every((id) => sent?.has(id))) return;
        finish();
      };
      const timer = setTimeout(() => finish(), FOLLOWERS_WAIT_MS);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  generationLed(generationId: number, memberCount: number): void {
    this.sizeOfGeneration.set(generationId, memberCount);
  }

  synced(member: GroupMember, generationId: number): void {
    const at = performance.now();
    this.syncedGenerationOf.set(member, generationId);
    if (this.sizeOfGeneration.get(generationId) !== this.memberCount || this.syncedGenerationOf.size !== this.memberCount) return;
    for (const g of this.syncedGenerationOf.values()) if (g !== generationId) return;
    this.resolveStable({ generationId, at });
  }

  /** A member's run failed: the round fails, or, once stable, the failure is reported on stderr. */
  fail(err: unknown): void {
    if (this.isSettled) console.error(`a member failed after its group was stable: ${err instanceof Error ? err.message : String(err)}`);
    this.rejectStable(err instanceof Error ? err : new Error(String(err)));
  }

  /** `stable`, or a rejection that says where the group stood after `timeoutMs`. */
  async stableWithin(timeoutMs: number): Promise<StableGroup> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the group was not stable after ${timeoutMs} ms: ${this.describe()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.stable, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private describe(): string {
    const byGeneration = new Map<number, number>();
    for (const g of this.syncedGenerationOf.values()) byGeneration.set(g, (byGeneration.get(g) ?? 0) + 1);
    const synced = [...byGeneration].map(([g, n]) => `${n} synced generation ${g} (of ${this.sizeOfGeneration.get(g) ?? '?'} members)`).join(', ');
    return `${this.syncedGenerationOf.size} of ${this.memberCount} members ever synced; ${synced || 'none'}`;
  }
}

function settings(groupId: string, heartbeatIntervalMs: number): MemberSettings {
  return { groupId, topic: TOPIC, partitionCount: PARTITIONS, sessionTimeoutMs: SESSION_TIMEOUT_MS, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, heartbeatIntervalMs };
}

interface JoinRound {
  readonly ms: number;
  readonly generationId: number;
  readonly joinGroupsPerMember: number;
  /** 1 when the group settled in one generation; more when members synced an earlier one first. */
  readonly syncGroupsPerMember: number;
}

/** `memberCount` members join `groupId` on `bootstrap`, and leave once it is stable. */
async function joinRound(bootstrap: string, memberCount: number, groupId: string): Promise<JoinRound> {
  const result = await joinRoundOnce(bootstrap, memberCount, groupId);
  process.stderr.write(`[${((performance.now() - BENCH_STARTED_AT) / 1000).toFixed(1)} s] ${groupId} on ${bootstrap}: ${result.ms.toFixed(1)} ms, generation ${result.generationId}\n`);
  return result;
}

async function joinRoundOnce(bootstrap: string, memberCount: number, groupId: string): Promise<JoinRound> {
  const round = new GroupRound(memberCount);
  const members: GroupMember[] = [];
  try {
    // One after another: the mock listens with a backlog of 5 (rdkafka_mock.c), and a connection
    // beyond it waits out SYN retransmits (1 s, 3 s, 7 s, ...).
    for (let i = 0; i < memberCount; i++) members.push(await GroupMember.connect(bootstrap, settings(groupId, JOIN_HEARTBEAT_INTERVAL_MS), round));
    const startedAt = performance.now();
    for (const m of members) m.start().catch((err: unknown) => round.fail(err));
    const stable = await round.stableWithin(ROUND_TIMEOUT_MS);
    const assigned = members.reduce((sum, m) => sum + m.assignedPartitions.length, 0);
    if (assigned !== PARTITIONS) throw new Error(`${groupId}: members hold ${assigned} partitions of ${PARTITIONS} in generation ${stable.generationId}`);
    const perMember = (count: (m: GroupMember) => number): number => members.reduce((sum, m) => sum + count(m), 0) / memberCount;
    return {
      ms: stable.at - startedAt, generationId: stable.generationId,
      joinGroupsPerMember: perMember((m) => m.counts.joinGroup), syncGroupsPerMember: perMember((m) => m.counts.syncGroup),
    };
  } finally {
    await Promise.all(members.map((m) => m.stop()));
  }
}

/** One member, alone in a stable group, for the commit runs. */
async function stableMember(bootstrap: string, groupId: string): Promise<GroupMember> {
  const round = new GroupRound(1);
  const member = await GroupMember.connect(bootstrap, settings(groupId, COMMIT_HEARTBEAT_INTERVAL_MS), round);
  member.start().catch((err: unknown) => round.fail(err));
  await round.stableWithin(ROUND_TIMEOUT_MS);
  return member;
}

function checkCommitted(answer: OffsetCommitResponse, partitions: number): void {
  const answered = answer.topics.flatMap((t) => t.partitions);
  const failed = answered.find((p) => p.errorCode !== ErrorCode.NONE);
  if (failed) throw new Error(`OffsetCommit answered ${errorName(failed.errorCode)} for partition ${failed.partitionIndex}`);
  if (answered.length !== partitions) throw new Error(`OffsetCommit answered ${answered.length} partitions of ${partitions}`);
}

interface CommitTally {
  commits: number;
  elapsedMs: number;
  readonly latenciesMs: number[];
}

/** Sends `request` for `durationMs` with `inFlight` outstanding; adds to `tally`. */
async function driveCommits(connection: RawConnection, request: EncodedRequest<OffsetCommitResponse>, shape: CommitShape, durationMs: number, tally: CommitTally): Promise<void> {
  const endAt = performance.now() + durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const sentAt = performance.now();
      const answer = await connection.send(request);
      tally.latenciesMs.push(performance.now() - sentAt);
      checkCommitted(answer, shape.partitions);
      tally.commits++;
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: shape.inFlight }, lane));
  tally.elapsedMs += performance.now() - startedAt;
}

interface CommitRow {
  readonly shape: CommitShape;
  readonly mock: CommitTally;
  readonly samsa: CommitTally;
}

/** Per shape, runs alternate between the brokers; the committed offset is read back after each. */
async function commitRows(mock: GroupMember, samsa: GroupMember): Promise<CommitRow[]> {
  const rows: CommitRow[] = [];
  let offset = 1_000;
  for (const shape of COMMIT_SHAPES) {
    const row: CommitRow = { shape, mock: { commits: 0, elapsedMs: 0, latenciesMs: [] }, samsa: { commits: 0, elapsedMs: 0, latenciesMs: [] } };
    for (let run = 0; run < COMMIT_RUNS; run++) {
      for (const [member, tally] of [[mock, row.mock], [samsa, row.samsa]] as const) {
        offset++;
        const request = member.commitRequest(shape.partitions, offset);
        await driveCommits(member.connection, request, shape, COMMIT_WARMUP_MS, { commits: 0, elapsedMs: 0, latenciesMs: [] });
        await driveCommits(member.connection, request, shape, COMMIT_RUN_MS, tally);
        const committed = await member.committedOffsets(shape.partitions);
        if (committed.length !== shape.partitions || committed.some((o) => o !== offset)) {
          throw new Error(`${member.connection.bootstrap} returned committed offsets ${committed.slice(0, 5).join(', ')}… after commits at ${offset}`);
        }
      }
    }
    rows.push(row);
  }
  return rows;
}

const sortedCopy = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: readonly number[]): number => sortedCopy(xs)[Math.floor(xs.length / 2)]!;
/** Nearest rank. */
const percentile = (xs: readonly number[], p: number): number => sortedCopy(xs)[Math.max(0, Math.ceil(p * xs.length) - 1)]!;
const f0 = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const f1 = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : f0(x));
const ratio = (x: number, of: number): string => `${(x / of).toFixed(x / of < 0.1 ? 3 : 2)}×`;

interface JoinRow {
  readonly broker: string;
  readonly delayMs: string;
  readonly members: number;
  readonly rounds: JoinRound[];
}

function printJoin(rows: readonly JoinRow[]): void {
  console.log(`\nJoin to stable: ms from the first JoinGroup sent until all N members hold their SyncGroup answers for one generation of N members (fresh group a round; ${PARTITIONS}-partition topic; heartbeat every ${JOIN_HEARTBEAT_INTERVAL_MS} ms)`);
  console.log('| broker | group.initial.rebalance.delay.ms | members | rounds | median ms | p90 ms | vs mock (median, same N) | JoinGroups per member (median) | SyncGroups per member (median) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const mockMedian = new Map(rows.filter((r) => r.broker === 'mock').map((r) => [r.members, median(r.rounds.map((x) => x.ms))]));
  for (const r of rows) {
    const ms = r.rounds.map((x) => x.ms);
    const against = mockMedian.get(r.members);
    const vsMock = r.broker === 'mock' || against === undefined ? '1.00×' : ratio(median(ms), against);
    console.log(`| ${r.broker} | ${r.delayMs} | ${r.members} | ${r.rounds.length} | ${f1(median(ms))} | ${f1(percentile(ms, 0.9))} | ${vsMock} | ${median(r.rounds.map((x) => x.joinGroupsPerMember)).toFixed(2)} | ${median(r.rounds.map((x) => x.syncGroupsPerMember)).toFixed(2)} |`);
  }
}

function printCommits(rows: readonly CommitRow[]): void {
  console.log(`\nOffsetCommit v7 from the one member of a stable group, ${COMMIT_RUNS} runs of ${COMMIT_RUN_MS} ms per broker alternating (after ${COMMIT_WARMUP_MS} ms warm-up each); latency is send → answer, ms`);
  console.log('| partitions per request | in flight | mock commits/s | mock offsets/s | mock p50 / p99 | Samsa commits/s | Samsa offsets/s | Samsa p50 / p99 | Samsa / mock |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { shape, mock, samsa } of rows) {
    const mockRate = (mock.commits * 1000) / mock.elapsedMs;
    const samsaRate = (samsa.commits * 1000) / samsa.elapsedMs;
    const latency = (t: CommitTally): string => `${percentile(t.latenciesMs, 0.5).toFixed(2)} / ${percentile(t.latenciesMs, 0.99).toFixed(2)}`;
    console.log(`| ${shape.partitions} | ${shape.inFlight} | ${f0(mockRate)} | ${f0(mockRate * shape.partitions)} | ${latency(mock)} | ${f0(samsaRate)} | ${f0(samsaRate * shape.partitions)} | ${latency(samsa)} | ${ratio(samsaRate, mockRate)} |`);
  }
}

async function createBenchTopic(bootstrap: string): Promise<void> {
  const at = bootstrap.lastIndexOf(':');
  const connection = await KafkaConnection.connect({ host: bootstrap.slice(0, at), port: Number(bootstrap.slice(at + 1)), clientId: 'samsa-bench', connectTimeoutMs: 5_000 });
  try {
    await createTopics(connection, [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }]);
  } finally {
    connection.close();
  }
}

async function startBenchSamsa(dataDir: string, delayMs: number): Promise<SamsaProcess> {
  const samsa = await startSamsa(dataDir, [], { 'group.initial.rebalance.delay.ms': String(delayMs) });
  await createBenchTopic(samsa.bootstrap);
  return samsa;
}

async function run(mock: MockCluster, dataRoot: string): Promise<void> {
  const joinRows: JoinRow[] = [];
  let commits: CommitRow[];
  const samsa = await startBenchSamsa(join(dataRoot, 'samsa-delay-0'), 0);
  try {
    for (const members of GROUP_SIZES) {
      const mockRow: JoinRow = { broker: 'mock', delayMs: 'none (fixed 3000 ms wait)', members, rounds: [] };
      const samsaRow: JoinRow = { broker: 'Samsa', delayMs: '0', members, rounds: [] };
      for (let r = 0; r < FAST_ROUNDS; r++) {
        if (r < ROUNDS) mockRow.rounds.push(await joinRound(mock.bootstrap, members, `bench-join-${members}-${r}`));
        samsaRow.rounds.push(await joinRound(samsa.bootstrap, members, `bench-join-${members}-${r}`));
      }
      joinRows.push(mockRow, samsaRow);
    }
    const [mockMember, samsaMember] = await Promise.all([stableMember(mock.bootstrap, 'bench-commit'), stableMember(samsa.bootstrap, 'bench-commit')]);
    try {
      commits = await commitRows(mockMember, samsaMember);
    } finally {
      await Promise.all([mockMember.stop(), samsaMember.stop()]);
    }
  } finally {
    await samsa.stop();
  }
  const delayed = await startBenchSamsa(join(dataRoot, 'samsa-delay-3000'), 3000);
  try {
    const row: JoinRow = { broker: 'Samsa', delayMs: '3000 (Kafka\'s default)', members: DELAYED_GROUP_SIZE, rounds: [] };
    for (let r = 0; r < ROUNDS; r++) row.rounds.push(await joinRound(delayed.bootstrap, DELAYED_GROUP_SIZE, `bench-join-delayed-${r}`));
    joinRows.splice(joinRows.findIndex((x) => x.broker === 'Samsa' && x.members === DELAYED_GROUP_SIZE) + 1, 0, row);
  } finally {
    await delayed.stop();
  }
  printJoin(joinRows);
  console.log('The mock elects a leader 3000 ms after the first JoinGroup of an empty group, whoever has joined (rdkafka_mock_cgrp.c); Samsa at 3000 ms follows Kafka\'s InitialDelayedJoin: another delay while new members keep arriving, up to the rebalance timeout.');
  printCommits(commits);
  console.log('The mock keeps offsets in memory; Samsa appends each commit to __consumer_offsets and answers once it is written.');
}

async function main(): Promise<void> {
  const tools = buildTools();
  const version = await librdkafkaVersion(tools);
  console.log(`group-coordinator bench, ${new Date().toISOString()}, ${environment()}, ${machine()}, commit ${commit()}, mock cluster from librdkafka ${version}`);
  const dataRoot = mkdtempSync(join(tmpdir(), 'samsa-bench-groups-'));
  let mock: MockCluster | null = null;
  try {
    mock = await startMockCluster(tools.mockCluster, [TOPIC], PARTITIONS);
    await run(mock, dataRoot);
  } finally {
    await mock?.stop();
    killStartedChildren();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

process.once('SIGINT', () => {
  killStartedChildren();
  process.exit(130);
});
await main();
