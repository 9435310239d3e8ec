/**
 * A GroupCoordinator over a MemoryCoordinatorLog and a ManualScheduler, with the requests a classic
 * consumer sends, for the coordinator's unit tests. Time moves only through `advance`; `settle`
 * lets the promise chains of parked requests and writes run.
 */
import { CoordinatorTimer } from '../../src/coordinator/group/coordinator-timer.js';
import { GroupCoordinator } from '../../src/coordinator/group/group-coordinator.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig, type TopicMetadataSource } from '../../src/coordinator/group/group.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type {
  JoinGroupRequest, JoinGroupResponse, OffsetCommitRequest, SyncGroupRequest, SyncGroupResponse,
} from '../../src/protocol/generated/index.js';
import { ManualScheduler } from './manual-scheduler.js';
import { MemoryCoordinatorLog } from './memory-coordinator-log.js';

export const TOPICS: Readonly<Record<string, number>> = { events: 6, orders: 3, audit: 1 };

export const topicSource: TopicMetadataSource = {
  topic: (name) => (TOPICS[name] === undefined ? undefined : { topicId: Buffer.from(name.padEnd(16, '.')).toString('base64url'), partitionCount: TOPICS[name]! }),
  topicName: (id) => Object.keys(TOPICS).find((name) => Buffer.from(name.padEnd(16, '.')).toString('base64url') === id),
};

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
}

export class CoordinatorFixture {
  readonly scheduler: ManualScheduler;
  readonly log: MemoryCoordinatorLog;
  readonly lines: LogLine[] = [];
  coordinator: GroupCoordinator;

  constructor(readonly config: GroupCoordinatorConfig = testConfig(), log = new MemoryCoordinatorLog(), scheduler = new ManualScheduler()) {
    this.log = log;
    this.scheduler = scheduler;
    this.coordinator = this.newCoordinator();
  }

  newCoordinator(): GroupCoordinator {
    const logger = {
      info: (_obj: object, msg: string): void => void this.lines.push({ level: 'info', msg }),
      warn: (_obj: object, msg: string): void => void this.lines.push({ level: 'warn', msg }),
      error: (_obj: object, msg: string): void => void this.lines.push({ level: 'error', msg }),
    };
    return new GroupCoordinator({ config: this.config, log: this.log, topics: topicSource, timer: new CoordinatorTimer(this.scheduler), logger });
  }

  /** Loads every partition, as the broker does once it leads them. */
  async load(): Promise<void> {
    for (let p = 0; p < this.log.partitionCount; p++) await this.coordinator.onElection(p);
  }

  /** A coordinator restart over the same log: the old one shuts down, a new one loads. */
  async restart(): Promise<void> {
    this.coordinator.shutdown();
    this.coordinator = this.newCoordinator();
    await this.load();
  }

  async advance(ms: number): Promise<void> {
    this.scheduler.advance(ms);
    await settle();
  }
}

export function testConfig(overrides: Partial<GroupCoordinatorConfig> = {}): GroupCoordinatorConfig {
  return { ...DEFAULT_GROUP_COORDINATOR_CONFIG, groupMinSessionTimeoutMs: 1000, ...overrides };
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Consumer protocol subscription metadata (version 0) naming the topics, as the Java client writes it. */
export function subscription(topics: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0]), int32(topics.length)];
  for (const topic of topics) {
    const name = Buffer.from(topic);
    parts.push(Buffer.from([name.length >> 8, name.length & 0xff]), name);
  }
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

export interface JoinOptions {
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly protocolType?: string;
  readonly protocols?: readonly { name: string; metadata: Buffer }[];
  readonly topics?: readonly string[];
}

export function joinRequest(groupId: string, options: JoinOptions = {}): JoinGroupRequest {
  return {
    groupId, memberId: options.memberId ?? '', groupInstanceId: options.groupInstanceId ?? null,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000, rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
    protocolType: options.protocolType ?? 'consumer',
    protocols: (options.protocols ?? [{ name: 'range', metadata: subscription(options.topics ?? ['events']) }]).map((p) => ({ ...p })),
    reason: null,
  };
}

export function syncRequest(groupId: string, joined: JoinGroupResponse, options: { groupInstanceId?: string | null; assignments?: Map<string, Buffer> } = {}): SyncGroupRequest {
  return {
    groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: options.groupInstanceId ?? null,
    protocolType: joined.protocolType ?? 'consumer', protocolName: joined.protocolName,
    assignments: [...(options.assignments ?? new Map<string, Buffer>())].map(([memberId, assignment]) => ({ memberId, assignment })),
  };
}

/** A dynamic member's first JoinGroup (v9): MEMBER_ID_REQUIRED hands it the id it then joins with. */
export async function memberIdFor(coordinator: GroupCoordinator, groupId: string, clientId: string, options: JoinOptions = {}): Promise<string> {
  const first = await coordinator.joinGroup({ clientId, clientHost: '/10.0.0.1' }, joinRequest(groupId, options), 9);
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return first.memberId;
}

/** The second JoinGroup, with the id: parked until the join phase completes. */
export function rejoin(coordinator: GroupCoordinator, groupId: string, clientId: string, memberId: string, options: JoinOptions = {}): Promise<JoinGroupResponse> {
  return coordinator.joinGroup({ clientId, clientHost: '/10.0.0.1' }, joinRequest(groupId, { ...options, memberId }), 9);
}

/** Assignment bytes that say which partitions a member got (the coordinator treats them as opaque). */
export function assignmentOf(partitions: readonly number[]): Buffer {
  return Buffer.from(JSON.stringify(partitions));
}

export function syncAll(coordinator: GroupCoordinator, groupId: string, joined: readonly JoinGroupResponse[]): Promise<SyncGroupResponse[]> {
  const leader = joined.find((j) => j.leader === j.memberId);
  const assignments = new Map<string, Buffer>(leader ? leader.members.map((m, i) => [m.memberId, assignmentOf([i])]) : []);
  return Promise.all(joined.map((j) => coordinator.syncGroup(syncRequest(groupId, j, { assignments: j === leader ? assignments : new Map() }), 5)));
}

export function commitRequest(groupId: string, offsets: Readonly<Record<string, readonly (readonly [number, number])[]>>, member: { generationId?: number; memberId?: string; metadata?: string | null } = {}): OffsetCommitRequest {
  return {
    groupId, generationIdOrMemberEpoch: member.generationId ?? -1, memberId: member.memberId ?? '', groupInstanceId: null, retentionTimeMs: -1,
    topics: Object.entries(offsets).map(([name, partitions]) => ({
      name,
      partitions: partitions.map(([partitionIndex, committedOffset]) => ({
        partitionIndex, committedOffset, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: member.metadata ?? 'meta',
      })),
    })),
  };
}
