/**
 * SimulatedConsumer: a KIP-848 consumer as the Java client (and librdkafka) drives ConsumerGroupHeartbeat,
 * for model tests of the group coordinator. It joins with epoch 0 and its subscription, heartbeats every
 * `heartbeatIntervalMs` of the last response, takes the epoch of every response, and applies an
 * assignment as the new set of partitions it owns: what is no longer in it is revoked at once (unless
 * it is "slow to revoke", when the whole new assignment waits until revocation is allowed), then it
 * acknowledges with a heartbeat right away. Like the Java client's HeartbeatState, a heartbeat carries
 * only what changed since the last acknowledged one (rebalance timeout and subscription on a join,
 * owned partitions when they changed), unless the consumer sends full requests as librdkafka does.
 *
 * A lost response (the request reached the coordinator, the answer did not) is a failed request: the
 * next heartbeat, at the next tick, is a full one with the epoch the consumer still has.
 * FENCED_MEMBER_EPOCH and UNKNOWN_MEMBER_ID make it drop every partition and rejoin with epoch 0
 * (v1 keeps its client-generated member id; v0 lets the coordinator give it one again). A static
 * member refused with UNRELEASED_INSTANCE_ID (its predecessor, or its fenced self, still holds the
 * instance id) retries every heartbeat interval, as an operator restarting it would.
 * Leaving sends epoch -1, or -2 for a static member (KIP-1092's default for static members).
 *
 * What "owned" means here is what a real consumer believes it owns: the model test checks that no two
 * members the coordinator still has believe they own the same partition.
 */
import type { GroupCoordinator } from '../../src/coordinator/group/group-coordinator.js';
import type { TopicMetadataSource } from '../../src/coordinator/group/group.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../src/protocol/generated/index.js';

/** Topic id → partitions, as a heartbeat carries them. */
export type OwnedPartitions = ReadonlyMap<string, ReadonlySet<number>>;

/** What a consumer needs of the world around it. */
export interface ConsumerHost {
  readonly groupId: string;
  coordinator(): GroupCoordinator;
  now(): number;
  readonly topics: TopicMetadataSource;
  violation(message: string): void;
}

export interface ConsumerSettings {
  readonly clientId: string;
  /** ConsumerGroupHeartbeat version: 1 brings its own member id (KIP-1082), 0 gets one from the coordinator. */
  readonly apiVersion: 0 | 1;
  readonly instanceId: string | null;
  readonly serverAssignor: string | null;
  readonly rebalanceTimeoutMs: number;
  /** Sends every field on every heartbeat (librdkafka) rather than only what changed (the Java client). */
  readonly sendsFullRequests: boolean;
  /** A restarted static instance whose predecessor crashed: UNRELEASED_INSTANCE_ID is expected until it is fenced. */
  readonly mayFindInstanceUnreleased: boolean;
}

export type ConsumerPhase = 'joining' | 'member' | 'crashed' | 'left';

const RETRIABLE: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
const NOTHING: OwnedPartitions = new Map();

export class SimulatedConsumer {
  memberId: string;
  memberEpoch = 0;
  phase: ConsumerPhase = 'joining';
  owned: OwnedPartitions = NOTHING;
  isSlowToRevoke = false;
  subscribedTopicNames: readonly string[];
  /** How often the member was told to drop everything and rejoin. */
  fencedCount = 0;
  /** The next response is lost on its way back. */
  losesNextResponse = false;
  /** A response was lost and no later one arrived: the coordinator may be an epoch ahead. */
  hasLostResponse = false;
  private pendingAssignment: OwnedPartitions | null = null;
  private heartbeatIntervalMs = 0;
  private nextHeartbeatAt = 0;
  /** The owned partitions the coordinator last acknowledged, as a key; null forces sending them. */
  private acknowledgedOwned: string | null = null;
  /** The subscription the coordinator last acknowledged; null forces sending it. */
  private acknowledgedSubscription: string | null = null;
  private isInFlight = false;
  /** UNRELEASED_INSTANCE_ID is expected: the instance id is still held by this instance's earlier self. */
  private mayFindInstanceUnreleased: boolean;

  constructor(private readonly host: ConsumerHost, readonly settings: ConsumerSettings, memberId: string, subscribedTopicNames: readonly string[]) {
    this.memberId = settings.apiVersion === 0 ? '' : memberId;
    this.subscribedTopicNames = subscribedTopicNames;
    this.mayFindInstanceUnreleased = settings.mayFindInstanceUnreleased;
  }

  get instanceId(): string | null {
    return this.settings.instanceId;
  }

  get isLive(): boolean {
    return this.phase === 'joining' || this.phase === 'member';
  }

  isHeartbeatDue(): boolean {
    return this.isLive && !this.isInFlight && this.host.now() >= this.nextHeartbeatAt;
  }

  crash(): void {
    this.phase = 'crashed';
  }

  /** consumer.subscribe(topics): the next heartbeat carries the new subscription; the coordinator drives the rest. */
  subscribe(topicNames: readonly string[]): void {
    this.subscribedTopicNames = topicNames;
  }

  setSlowToRevoke(isSlow: boolean): void {
    this.isSlowToRevoke = isSlow;
    if (!isSlow) this.reconcile();
  }

  async heartbeat(): Promise<void> {
    if (!this.isLive || this.isInFlight) return;
    const request = this.request();
    this.isInFlight = true;
    this.nextHeartbeatAt = this.host.now() + Math.max(this.heartbeatIntervalMs, 500);
    let response: ConsumerGroupHeartbeatResponse;
    try {
      response = await this.host.coordinator().consumerGroupHeartbeat({ clientId: this.settings.clientId, clientHost: '/10.0.0.7' }, request, this.settings.apiVersion);
    } finally {
      this.isInFlight = false;
    }
    if (!this.isLive) return;
    if (this.losesNextResponse) {
      this.losesNextResponse = false;
      this.hasLostResponse = true;
      this.acknowledgedOwned = null;
      this.acknowledgedSubscription = null;
      this.nextHeartbeatAt = this.host.now() + 1;
      return;
    }
    this.onResponse(request, response);
  }

  /** Leaves the group: epoch -1, or -2 for a static member unless it leaves for good with -1. */
  async leave(withEpochMinusOne: boolean): Promise<void> {
    if (!this.isLive) return;
    const wasJoined = this.phase === 'member';
    this.phase = 'left';
    this.owned = NOTHING;
    this.pendingAssignment = null;
    if (!wasJoined) return;
    const memberEpoch = this.instanceId !== null && !withEpochMinusOne ? -2 : -1;
    const request: ConsumerGroupHeartbeatRequest = { ...this.emptyRequest(), memberEpoch };
    const response = await this.host.coordinator().consumerGroupHeartbeat({ clientId: this.settings.clientId, clientHost: '/10.0.0.7' }, request, this.settings.apiVersion);
    if (response.errorCode === ErrorCode.NONE && response.memberEpoch !== memberEpoch) {
      this.host.violation(`${this.settings.clientId}: leaving with epoch ${memberEpoch} answered epoch ${response.memberEpoch}`);
    }
    // A member fenced meanwhile (its rebalance timeout passed while it was slow) is unknown: nothing to leave.
    if (response.errorCode !== ErrorCode.NONE && response.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) {
      this.host.violation(`${this.settings.clientId}: leave answered ${response.errorCode} ${response.errorMessage ?? ''}`);
    }
  }

  private emptyRequest(): ConsumerGroupHeartbeatRequest {
    return {
      groupId: this.host.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, instanceId: this.instanceId, rackId: null,
      rebalanceTimeoutMs: -1, subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
    };
  }

  private request(): ConsumerGroupHeartbeatRequest {
    const isJoin = this.memberEpoch === 0;
    // After a failed request the Java client resets its HeartbeatState: everything is sent again.
    const isFull = isJoin || this.settings.sendsFullRequests || this.acknowledgedSubscription === null;
    const request = this.emptyRequest();
    if (isFull) {
      request.rebalanceTimeoutMs = this.settings.rebalanceTimeoutMs;
      request.serverAssignor = this.settings.serverAssignor;
    }
    if (isFull || this.acknowledgedSubscription !== JSON.stringify(this.subscribedTopicNames)) request.subscribedTopicNames = [...this.subscribedTopicNames];
    if (isJoin) request.topicPartitions = [];
    else if (isFull || this.acknowledgedOwned !== ownedKey(this.owned)) request.topicPartitions = toTopicPartitions(this.owned);
    return request;
  }

  private onResponse(request: ConsumerGroupHeartbeatRequest, response: ConsumerGroupHeartbeatResponse): void {
    const who = `${this.settings.clientId} (${this.memberId || 'no id'})`;
    switch (response.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.FENCED_MEMBER_EPOCH:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.fence(response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
        return;
      case ErrorCode.UNRELEASED_INSTANCE_ID:
        if (!this.mayFindInstanceUnreleased) this.host.violation(`${who}: UNRELEASED_INSTANCE_ID ${response.errorMessage ?? ''}`);
        return;
      default:
        if (RETRIABLE.has(response.errorCode)) {
          this.acknowledgedOwned = null;
          this.acknowledgedSubscription = null;
          return;
        }
        this.host.violation(`${who}: heartbeat at epoch ${request.memberEpoch} answered ${response.errorCode} ${response.errorMessage ?? ''}`);
        this.phase = 'crashed';
        return;
    }
    if (this.settings.apiVersion === 0 && this.memberId === '') this.memberId = response.memberId ?? '';
    if (response.memberId !== this.memberId) this.host.violation(`${who}: response names member ${response.memberId ?? 'null'}`);
    if (this.phase === 'member' && response.memberEpoch < this.memberEpoch) {
      this.host.violation(`${who}: member epoch went from ${this.memberEpoch} to ${response.memberEpoch}`);
    }
    if (response.memberEpoch <= 0) this.host.violation(`${who}: heartbeat answered member epoch ${response.memberEpoch}`);
    this.phase = 'member';
    this.hasLostResponse = false;
    this.mayFindInstanceUnreleased = false;
    this.memberEpoch = response.memberEpoch;
    this.heartbeatIntervalMs = response.heartbeatIntervalMs;
    if (request.topicPartitions !== null) this.acknowledgedOwned = ownedKey(fromTopicPartitions(request.topicPartitions));
    if (request.subscribedTopicNames !== null) this.acknowledgedSubscription = JSON.stringify(request.subscribedTopicNames);
    if (response.assignment !== null) {
      this.pendingAssignment = this.checkedAssignment(fromTopicPartitions(response.assignment.topicPartitions), who);
      this.reconcile();
    }
  }

  /** Every partition of an assignment exists and belongs to a subscribed topic. */
  private checkedAssignment(assignment: OwnedPartitions, who: string): OwnedPartitions {
    for (const [topicId, partitions] of assignment) {
      const name = this.host.topics.topicName(topicId);
      const count = name === undefined ? 0 : this.host.topics.topic(name)!.partitionCount;
      if (name === undefined || !this.subscribedTopicNames.includes(name)) {
        this.host.violation(`${who}: assigned topic ${name ?? topicId} it does not subscribe to`);
      }
      for (const p of partitions) if (p < 0 || p >= count) this.host.violation(`${who}: assigned ${name ?? topicId}-${p}, which does not exist`);
    }
    return assignment;
  }

  /** Applies the latest assignment once nothing it revokes is held back; then acknowledges at once. */
  private reconcile(): void {
    const target = this.pendingAssignment;
    if (target === null) return;
    if (this.isSlowToRevoke && revokes(this.owned, target)) return;
    this.pendingAssignment = null;
    if (ownedKey(target) === ownedKey(this.owned)) return;
    this.owned = target;
    this.nextHeartbeatAt = this.host.now();
  }

  private fence(isUnknown: boolean): void {
    this.fencedCount++;
    this.owned = NOTHING;
    this.pendingAssignment = null;
    this.memberEpoch = 0;
    this.phase = 'joining';
    this.acknowledgedOwned = null;
    this.acknowledgedSubscription = null;
    this.hasLostResponse = false;
    if (isUnknown && this.settings.apiVersion === 0) this.memberId = '';
    // A static member fenced by epoch still holds its instance id: its rejoin is refused until the
    // session of that member ends (Kafka's throwIfInstanceIdIsUnreleased; the Java client gives up there).
    if (!isUnknown && this.instanceId !== null) this.mayFindInstanceUnreleased = true;
    this.nextHeartbeatAt = this.host.now();
  }
}

function revokes(owned: OwnedPartitions, target: OwnedPartitions): boolean {
  for (const [topicId, partitions] of owned) {
    const kept = target.get(topicId);
    for (const p of partitions) if (kept?.has(p) !== true) return true;
  }
  return false;
}

export function ownedKey(owned: OwnedPartitions): string {
  return JSON.stringify(toTopicPartitions(owned));
}

export function toTopicPartitions(owned: OwnedPartitions): { topicId: string; partitions: number[] }[] {
  return [...owned]
    .filter(([, partitions]) => partitions.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((a, b) => a - b) }));
}

export function fromTopicPartitions(topicPartitions: readonly { readonly topicId: string; readonly partitions: readonly number[] }[]): OwnedPartitions {
  const owned = new Map<string, Set<number>>();
  for (const { topicId, partitions } of topicPartitions) {
    if (partitions.length === 0) continue;
    const set = owned.get(topicId) ?? new Set<number>();
    for (const p of partitions) set.add(p);
    owned.set(topicId, set);
  }
  return owned;
}
