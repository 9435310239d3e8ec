/**
 * A classic consumer-group member written against the wire, for bench/group-coordinator.ts: one
 * RawConnection (bench/raw-connection.ts), FindCoordinator, JoinGroup (with KIP-394's
 * MEMBER_ID_REQUIRED round trip), SyncGroup, Heartbeat every `heartbeatIntervalMs` until a
 * rebalance, rejoin, LeaveGroup; and the OffsetCommit / OffsetFetch requests of the commit benchmark.
 *
 * Subscriptions and assignments are the consumer protocol's (an int16 version, then
 * ConsumerProtocolSubscription / ConsumerProtocolAssignment v0), protocol "range": the leader gives
 * each member, in member-id order, a contiguous run of the topic's partitions.
 *
 * The mock completes a sync the moment the leader's SyncGroup arrives and answers a follower's
 * later SyncGroup with INVALID_REQUEST (rdkafka_mock_cgrp.c, sync_check / check_state), so the
 * leader sends its SyncGroup only once every follower's is on the wire, plus one ApiVersions round
 * trip on its own connection (the mock serves all connections from one poll loop, so by then it has
 * read the followers'). Members do this against Samsa too, so both brokers see the same clients.
 */
import { ErrorCode, errorName } from '../src/protocol/error-codes.js';
import {
  ConsumerProtocolAssignment, ConsumerProtocolSubscription, type JoinGroupResponse, type JoinGroupResponseJoinGroupResponseMember,
  type OffsetCommitResponse,
} from '../src/protocol/generated/index.js';
import { type MessageCodec, Reader, Writer } from '../src/protocol/primitives/index.js';
import {
  API_VERSIONS, encodeRequest, type EncodedRequest, FIND_COORDINATOR, HEARTBEAT, JOIN_GROUP, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH,
  RawConnection, SYNC_GROUP,
} from './raw-connection.js';

const FIND_COORDINATOR_TIMEOUT_MS = 15_000;
const RETRY_BACKOFF_MS = 50;
/** How long a stopping member waits for its loop to end before it closes the connection anyway. */
const STOP_TIMEOUT_MS = 5_000;

export interface MemberSettings {
  readonly groupId: string;
  readonly topic: string;
  readonly partitionCount: number;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

/** What a round of the benchmark learns from its members. */
export interface MemberObserver {
  /** `memberId`'s SyncGroup for `generationId` is on the wire. */
  syncSent(memberId: string, generationId: number): void;
  /** Resolves once every one of `memberIds` has sent its SyncGroup for `generationId`. */
  followersSent(memberIds: readonly string[], generationId: number): Promise<void>;
  /** The leader's view: `generationId` has `memberCount` members. */
  generationLed(generationId: number, memberCount: number): void;
  /** `member` holds its SyncGroup answer for `generationId`. */
  synced(member: GroupMember, generationId: number): void;
}

export interface MemberCounts {
  joinGroup: number;
  syncGroup: number;
  heartbeat: number;
}

const CONSUMER_PROTOCOL_VERSION = 0;

function consumerProtocolBytes<T>(codec: MessageCodec<T>, value: T): Buffer {
  const w = new Writer();
  w.writeInt16(CONSUMER_PROTOCOL_VERSION);
  codec.write(w, value, CONSUMER_PROTOCOL_VERSION);
  return Buffer.concat(w.toChunks());
}

function subscribedTopics(metadata: Buffer): string[] {
  const reader = new Reader(metadata);
  reader.readInt16();
  return ConsumerProtocolSubscription.read(reader, 0).topics;
}

/** The leader's range assignment: members in id order, each a contiguous run of `partitionCount`. */
export function rangeAssignment(members: readonly JoinGroupResponseJoinGroupResponseMember[], topic: string, partitionCount: number): { memberId: string; assignment: Buffer }[] {
  for (const m of members) {
    if (!subscribedTopics(m.metadata).includes(topic)) throw new Error(`member ${m.memberId}'s subscription reached the leader without ${topic}`);
  }
  const ids = members.map((m) => m.memberId).sort();
  const perMember = Math.floor(partitionCount / ids.length);
  const extra = partitionCount % ids.length;
  let next = 0;
  return ids.map((memberId, i) => {
    const count = perMember + (i < extra ? 1 : 0);
    const partitions = Array.from({ length: count }, (_, k) => next + k);
    next += count;
    return { memberId, assignment: consumerProtocolBytes(ConsumerProtocolAssignment, { assignedPartitions: [{ topic, partitions }], userData: null }) };
  });
}

function assignedPartitions(assignment: Buffer, topic: string): number[] {
  if (assignment.length === 0) return [];
  const reader = new Reader(assignment);
  reader.readInt16();
  return ConsumerProtocolAssignment.read(reader, 0).assignedPartitions.filter((t) => t.topic === topic).flatMap((t) => t.partitions);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One member: joins, syncs, heartbeats until the broker says the group is rebalancing, and joins
 * again, until stopped. An error code the protocol does not expect fails its run.
 */
export class GroupMember {
  memberId = '';
  generationId = -1;
  assignedPartitions: number[] = [];
  readonly counts: MemberCounts = { joinGroup: 0, syncGroup: 0, heartbeat: 0 };
  private readonly subscription: Buffer;
  private isStopping = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;

  private constructor(readonly connection: RawConnection, readonly settings: MemberSettings, private readonly observer: MemberObserver) {
    this.subscription = consumerProtocolBytes(ConsumerProtocolSubscription, { topics: [settings.topic], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  }

  /** Connects and asks for the group's coordinator, which must be the broker at `bootstrap`. */
  static async connect(bootstrap: string, settings: MemberSettings, observer: MemberObserver): Promise<GroupMember> {
    const member = new GroupMember(await RawConnection.connect(bootstrap), settings, observer);
    try {
      await member.findCoordinator();
    } catch (err) {
      member.connection.close();
      throw err;
    }
    return member;
  }

  private async findCoordinator(): Promise<void> {
    const giveUpAt = Date.now() + FIND_COORDINATOR_TIMEOUT_MS;
    for (;;) {
      const answer = await this.connection.request(FIND_COORDINATOR, { key: this.settings.groupId, keyType: 0, coordinatorKeys: [] });
      if (answer.errorCode === ErrorCode.NONE) {
        const port = Number(this.connection.bootstrap.slice(this.connection.bootstrap.lastIndexOf(':') + 1));
        if (answer.port !== port) throw new Error(`the coordinator of ${this.settings.groupId} is ${answer.host}:${answer.port}, not ${this.connection.bootstrap}`);
        return;
      }
      const canRetry = answer.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || answer.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      if (!canRetry || Date.now() > giveUpAt) throw new Error(`FindCoordinator(${this.settings.groupId}) answered ${errorName(answer.errorCode)}`);
      await sleep(RETRY_BACKOFF_MS);
    }
  }

  /** Starts the member's loop; the first JoinGroup is on the wire when this returns. */
  start(): Promise<void> {
    this.running = this.run();
    return this.running;
  }

  /** Ends the loop, leaves the group (LeaveGroup), closes the connection. */
  async stop(): Promise<void> {
    this.isStopping = true;
    this.wake?.();
    let hasEnded = this.running === null;
    await Promise.race([this.running?.then(() => { hasEnded = true; }, () => { hasEnded = true; }), sleep(STOP_TIMEOUT_MS)]);
    try {
      if (hasEnded && this.memberId !== '') {
        const answer = await this.connection.request(LEAVE_GROUP, { groupId: this.settings.groupId, memberId: this.memberId, members: [] });
        if (answer.errorCode !== ErrorCode.NONE && answer.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) throw new Error(`LeaveGroup answered ${errorName(answer.errorCode)}`);
      }
    } finally {
      this.connection.close();
    }
  }

  private async run(): Promise<void> {
    while (!this.isStopping) {
      const joined = await this.join();
      if (joined === null) return;
      if (await this.sync(joined)) await this.heartbeatUntilRebalance();
    }
  }

  private async join(): Promise<JoinGroupResponse | null> {
    const { groupId, sessionTimeoutMs, rebalanceTimeoutMs } = this.settings;
    while (!this.isStopping) {
      this.counts.joinGroup++;
      const answer = await this.connection.request(JOIN_GROUP, {
        groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId: this.memberId, groupInstanceId: null,
        protocolType: 'consumer', protocols: [{ name: 'range', metadata: this.subscription }], reason: null,
      });
      switch (answer.errorCode) {
        case ErrorCode.NONE:
          this.memberId = answer.memberId;
          this.generationId = answer.generationId;
          return answer;
        case ErrorCode.MEMBER_ID_REQUIRED:
          this.memberId = answer.memberId;
          break;
        case ErrorCode.UNKNOWN_MEMBER_ID:
          this.memberId = '';
          break;
        case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        case ErrorCode.REBALANCE_IN_PROGRESS:
          await this.pause(RETRY_BACKOFF_MS);
          break;
        default:
          throw new Error(`JoinGroup(${groupId}) answered ${errorName(answer.errorCode)}`);
      }
    }
    return null;
  }

  /** True once the member holds its assignment; false when it must join again. */
  private async sync(joined: JoinGroupResponse): Promise<boolean> {
    const { groupId, topic, partitionCount } = this.settings;
    const generationId = joined.generationId;
    const isLeader = joined.leader === this.memberId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (isLeader) {
      assignments = rangeAssignment(joined.members, topic, partitionCount);
      this.observer.generationLed(generationId, joined.members.length);
      await this.observer.followersSent(joined.members.map((m) => m.memberId).filter((id) => id !== this.memberId), generationId);
      await this.connection.request(API_VERSIONS, { clientSoftwareName: '', clientSoftwareVersion: '' });
    }
    this.counts.syncGroup++;
    const answered = this.connection.request(SYNC_GROUP, {
      groupId, generationId, memberId: this.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: joined.protocolName, assignments,
    });
    this.observer.syncSent(this.memberId, generationId);
    const answer = await answered;
    switch (answer.errorCode) {
      case ErrorCode.NONE:
        this.assignedPartitions = assignedPartitions(answer.assignment, topic);
        this.observer.synced(this, generationId);
        return true;
      case ErrorCode.REBALANCE_IN_PROGRESS:
      case ErrorCode.ILLEGAL_GENERATION:
        return false;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.memberId = '';
        return false;
      default:
        throw new Error(`SyncGroup(${groupId}, generation ${generationId}) answered ${errorName(answer.errorCode)}`);
    }
  }

  private async heartbeatUntilRebalance(): Promise<void> {
    const { groupId, heartbeatIntervalMs } = this.settings;
    for (;;) {
      await this.pause(heartbeatIntervalMs);
      if (this.isStopping) return;
      this.counts.heartbeat++;
      const answer = await this.heartbeat();
      switch (answer) {
        case ErrorCode.NONE:
          break;
        case ErrorCode.REBALANCE_IN_PROGRESS:
        case ErrorCode.ILLEGAL_GENERATION:
          return;
        case ErrorCode.UNKNOWN_MEMBER_ID:
          this.memberId = '';
          return;
        default:
          throw new Error(`Heartbeat(${groupId}, generation ${this.generationId}) answered ${errorName(answer)}`);
      }
    }
  }

  /** One Heartbeat for the current generation; its error code. */
  async heartbeat(): Promise<number> {
    const answer = await this.connection.request(HEARTBEAT, { groupId: this.settings.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null });
    return answer.errorCode;
  }

  /** An OffsetCommit of partitions 0..partitions-1 at `offset`, as this member of this generation. */
  commitRequest(partitions: number, offset: number): EncodedRequest<OffsetCommitResponse> {
    return encodeRequest(OFFSET_COMMIT, {
      groupId: this.settings.groupId, generationIdOrMemberEpoch: this.generationId, memberId: this.memberId, groupInstanceId: null, retentionTimeMs: -1,
      topics: [{
        name: this.settings.topic,
        partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' })),
      }],
    });
  }

  /** The group's committed offsets of partitions 0..partitions-1 (OffsetFetch v5), in partition order. */
  async committedOffsets(partitions: number): Promise<number[]> {
    const answer = await this.connection.request(OFFSET_FETCH, {
      groupId: this.settings.groupId, topics: [{ name: this.settings.topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }], groups: [], requireStable: false,
    });
    if (answer.errorCode !== ErrorCode.NONE) throw new Error(`OffsetFetch(${this.settings.groupId}) answered ${errorName(answer.errorCode)}`);
    const found = answer.topics.find((t) => t.name === this.settings.topic)?.partitions ?? [];
    return [...found].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.committedOffset);
  }

  /** Waits `ms`, or less if the member is stopped meanwhile. */
  private pause(ms: number): Promise<void> {
    if (this.isStopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = null; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = null; resolve(); };
    });
  }
}
