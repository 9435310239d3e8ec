/**
 * ConsumerGroup: a group of the KIP-848 consumer protocol (ConsumerGroupHeartbeat), Kafka's
 * ConsumerGroup. It holds what the consumer-group records of `__consumer_offsets` say (group epoch;
 * subscription metadata, the partition counts the last assignment was computed from; members; target
 * assignment and its epoch) plus indexes derived from them (subscriber count per topic, server
 * assignor votes, the epoch at which each partition is currently owned, static members by instance
 * id). It changes only through the replay of those records (consumer-group-manager.ts), so a group
 * rebuilt from the log is the group that was acknowledged.
 *
 * State (Kafka's ConsumerGroupState): Empty without members; Assigning while the group epoch is ahead
 * of the target assignment epoch; Reconciling while some member has not reached the target; Stable.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ConsumerGroupDescribeResponseDescribedGroup } from '../../protocol/generated/index.js';
import { type Assignment, EMPTY_ASSIGNMENT } from './assignors/partition-assignor.js';
import {
  type ConsumerGroupMember, LEAVE_GROUP_MEMBER_EPOCH, describeMember, isReconciledTo,
} from './consumer-group-member.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { Group } from './group.js';
import { compileTopicRegex, hasRegex } from './subscription-regex.js';

export interface TopicMetadata {
  readonly topicId: string;
  readonly topicName: string;
  readonly partitionCount: number;
}

/** Subscribed topics that exist, by name, as the ConsumerGroupPartitionMetadata record holds them. */
export type SubscriptionMetadata = ReadonlyMap<string, TopicMetadata>;

export const ConsumerGroupState = {
  EMPTY: 'Empty',
  ASSIGNING: 'Assigning',
  RECONCILING: 'Reconciling',
  STABLE: 'Stable',
  DEAD: 'Dead',
} as const;
export type ConsumerGroupStateName = (typeof ConsumerGroupState)[keyof typeof ConsumerGroupState];

export class ConsumerGroup implements Group {
  readonly type = 'consumer';
  private epoch = 0;
  private assignmentEpoch = 0;
  private state: ConsumerGroupStateName = ConsumerGroupState.EMPTY;
  private stateTimestampMs: number;
  private subscription: SubscriptionMetadata = new Map();
  private readonly memberById = new Map<string, ConsumerGroupMember>();
  private readonly memberIdByInstanceId = new Map<string, string>();
  private readonly targetByMemberId = new Map<string, Assignment>();
  /** Topic name → number of members subscribing to it by name. */
  private readonly subscriberCounts = new Map<string, number>();
  /** Regex → number of members subscribing with it. */
  private readonly regexCounts = new Map<string, number>();
  /** Server assignor name → number of members asking for it. */
  private readonly assignorVotes = new Map<string, number>();
  /** Topic id → partition → epoch of the member owning (or revoking) it. */
  private readonly partitionEpochs = new Map<string, Map<number, number>>();

  constructor(readonly groupId: string, private readonly clock: () => number) {
    this.stateTimestampMs = clock();
  }

  get groupEpoch(): number {
    return this.epoch;
  }

  get targetAssignmentEpoch(): number {
    return this.assignmentEpoch;
  }

  get subscriptionMetadata(): SubscriptionMetadata {
    return this.subscription;
  }

  get members(): ReadonlyMap<string, ConsumerGroupMember> {
    return this.memberById;
  }

  member(memberId: string): ConsumerGroupMember | undefined {
    return this.memberById.get(memberId);
  }

  staticMemberId(instanceId: string | null): string | undefined {
    return instanceId === null ? undefined : this.memberIdByInstanceId.get(instanceId);
  }

  staticMember(instanceId: string | null): ConsumerGroupMember | undefined {
    const memberId = this.staticMemberId(instanceId);
    return memberId === undefined ? undefined : this.memberById.get(memberId);
  }

  targetAssignment(memberId: string): Assignment {
    return this.targetByMemberId.get(memberId) ?? EMPTY_ASSIGNMENT;
  }

  get targetAssignments(): ReadonlyMap<string, Assignment> {
    return this.targetByMemberId;
  }

  /** A static member's target is the one of the member holding its instance id (Kafka's targetAssignment(memberId, instanceId)). */
  targetAssignmentOf(memberId: string, instanceId: string | null): Assignment {
    if (instanceId === null) return this.targetAssignment(memberId);
    const previous = this.staticMemberId(instanceId);
    return previous === undefined ? EMPTY_ASSIGNMENT : this.targetAssignment(previous);
  }

  /** Epoch of the member owning the partition, or -1 if it is free. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  // --- changes, applied by replay -------------------------------------------------------------

  setGroupEpoch(epoch: number): void {
    this.epoch = epoch;
    this.updateState();
  }

  setTargetAssignmentEpoch(epoch: number): void {
    this.assignmentEpoch = epoch;
    this.updateState();
  }

  setSubscriptionMetadata(metadata: SubscriptionMetadata): void {
    this.subscription = metadata;
  }

  setTargetAssignment(memberId: string, assignment: Assignment): void {
    this.targetByMemberId.set(memberId, assignment);
  }

  removeTargetAssignment(memberId: string): void {
    this.targetByMemberId.delete(memberId);
  }

  updateMember(member: ConsumerGroupMember): void {
    const old = this.memberById.get(member.memberId);
    this.memberById.set(member.memberId, member);
    this.unindex(old);
    this.index(member);
    this.updateState();
  }

  removeMember(memberId: string): void {
    const old = this.memberById.get(memberId);
    if (old === undefined) return;
    this.memberById.delete(memberId);
    this.unindex(old);
    this.updateState();
  }

  /** The group was deleted: ListGroups and DescribeGroups may still hold a reference. */
  markDead(): void {
    this.setState(ConsumerGroupState.DEAD);
  }

  private index(member: ConsumerGroupMember): void {
    for (const name of member.subscribedTopicNames) adjust(this.subscriberCounts, name, 1);
    if (hasRegex(member.subscribedTopicRegex)) adjust(this.regexCounts, member.subscribedTopicRegex, 1);
    if (member.serverAssignor !== null) adjust(this.assignorVotes, member.serverAssignor, 1);
    if (member.instanceId !== null) this.memberIdByInstanceId.set(member.instanceId, member.memberId);
    for (const assignment of [member.assignedPartitions, member.partitionsPendingRevocation]) {
      for (const [topicId, partitions] of assignment) {
        let epochs = this.partitionEpochs.get(topicId);
        if (epochs === undefined) this.partitionEpochs.set(topicId, (epochs = new Map()));
        for (const p of partitions) epochs.set(p, member.memberEpoch);
      }
    }
  }

  private unindex(member: ConsumerGroupMember | undefined): void {
    if (member === undefined) return;
    for (const name of member.subscribedTopicNames) adjust(this.subscriberCounts, name, -1);
    if (hasRegex(member.subscribedTopicRegex)) adjust(this.regexCounts, member.subscribedTopicRegex, -1);
    if (member.serverAssignor !== null) adjust(this.assignorVotes, member.serverAssignor, -1);
    if (member.instanceId !== null && this.memberIdByInstanceId.get(member.instanceId) === member.memberId) {
      this.memberIdByInstanceId.delete(member.instanceId);
    }
    for (const assignment of [member.assignedPartitions, member.partitionsPendingRevocation]) {
      for (const [topicId, partitions] of assignment) {
        const epochs = this.partitionEpochs.get(topicId);
        if (epochs === undefined) continue;
        for (const p of partitions) if (epochs.get(p) === member.memberEpoch) epochs.delete(p);
        if (epochs.size === 0) this.partitionEpochs.delete(topicId);
      }
    }
  }

  private updateState(): void {
    if (this.state === ConsumerGroupState.DEAD) return;
    let state: ConsumerGroupStateName = ConsumerGroupState.STABLE;
    if (this.memberById.size === 0) state = ConsumerGroupState.EMPTY;
    else if (this.epoch > this.assignmentEpoch) state = ConsumerGroupState.ASSIGNING;
    else {
      for (const member of this.memberById.values()) {
        if (!isReconciledTo(member, this.assignmentEpoch)) {
          state = ConsumerGroupState.RECONCILING;
          break;
        }
      }
    }
    this.setState(state);
  }

  private setState(state: ConsumerGroupStateName): void {
    if (state === this.state) return;
    this.state = state;
    this.stateTimestampMs = this.clock();
  }

  // --- what a change would give, without applying it --------------------------------------------

  /**
   * Subscriber counts per topic after replacing `oldMember` (undefined: none) with `newMember`
   * (undefined: removed); a regex counts its members for every topic it resolves to.
   */
  computeSubscribedTopicNames(
    oldMember: ConsumerGroupMember | undefined,
    newMember: ConsumerGroupMember | undefined,
    resolveRegex: (regex: string) => readonly string[],
  ): Map<string, number> {
    const counts = new Map(this.subscriberCounts);
    const regexes = new Map(this.regexCounts);
    for (const [member, delta] of [[oldMember, -1], [newMember, 1]] as const) {
      if (member === undefined) continue;
      for (const name of member.subscribedTopicNames) adjust(counts, name, delta);
      if (hasRegex(member.subscribedTopicRegex)) adjust(regexes, member.subscribedTopicRegex, delta);
    }
    for (const [regex, members] of regexes) for (const name of resolveRegex(regex)) adjust(counts, name, members);
    return counts;
  }

  /**
   * The assignor most members ask for after the change; ties go to the earlier one in `assignorOrder`
   * (`group.consumer.assignors`). Undefined when no member names one.
   */
  computePreferredServerAssignor(
    oldMember: ConsumerGroupMember | undefined,
    newMember: ConsumerGroupMember | undefined,
    assignorOrder: readonly string[],
  ): string | undefined {
    const votes = new Map(this.assignorVotes);
    const oldAssignor = oldMember?.serverAssignor ?? null;
    const newAssignor = newMember?.serverAssignor ?? null;
    if (oldAssignor !== null) adjust(votes, oldAssignor, -1);
    if (newAssignor !== null) adjust(votes, newAssignor, 1);
    let best: string | undefined;
    for (const [name, count] of votes) {
      const bestCount = best === undefined ? 0 : votes.get(best)!;
      if (count > bestCount || (count === bestCount && assignorOrder.indexOf(name) < assignorOrder.indexOf(best!))) best = name;
    }
    return best;
  }

  preferredServerAssignor(assignorOrder: readonly string[]): string | undefined {
    return this.computePreferredServerAssignor(undefined, undefined, assignorOrder);
  }

  // --- Group --------------------------------------------------------------------------------------

  stateName(): string {
    return this.state;
  }

  protocolType(): string {
    return 'consumer';
  }

  isEmpty(): boolean {
    return this.state === ConsumerGroupState.EMPTY;
  }

  currentStateTimestampMs(): number {
    return this.stateTimestampMs;
  }

  validateOffsetCommit(memberId: string, _groupInstanceId: string | null, memberEpoch: number, isTransactional: boolean, apiVersion: number): void {
    // Epoch -1: an admin client or a consumer outside group management, allowed while the group is empty.
    if (memberEpoch < 0 && this.memberById.size === 0) return;
    const member = this.requireMember(memberId);
    if (!isTransactional && apiVersion < 9) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, 'OffsetCommit version 9 or above must be used by members using the modern group protocol');
    }
    this.validateMemberEpoch(memberEpoch, member);
  }

  validateOffsetFetch(memberId: string | null, memberEpoch: number): void {
    if (memberId === null && memberEpoch < 0) return;
    this.validateMemberEpoch(memberEpoch, this.requireMember(memberId ?? ''));
  }

  validateOffsetDelete(): void {}

  validateDeleteGroup(): void {
    if (this.state !== ConsumerGroupState.EMPTY) throw new KafkaError(ErrorCode.NON_EMPTY_GROUP);
  }

  isSubscribedToTopic(topic: string): boolean {
    if (this.subscriberCounts.has(topic)) return true;
    for (const regex of this.regexCounts.keys()) {
      try {
        if (compileTopicRegex(regex).matches(topic)) return true;
      } catch {
        // A pattern written by a broker that accepts more (RE2J) subscribes to nothing here.
      }
    }
    return false;
  }

  /** Kafka's createGroupTombstoneRecords, in its order: assignments, target, members, metadata, epoch. */
  tombstoneRecords(): CoordinatorRecord[] {
    const groupId = this.groupId;
    const memberIds = [...this.memberById.keys()];
    return [
      ...memberIds.map((memberId): CoordinatorRecord => ({ type: 'consumer-group-current-member-assignment', groupId, memberId, value: null })),
      ...memberIds.map((memberId): CoordinatorRecord => ({ type: 'consumer-group-target-assignment-member', groupId, memberId, value: null })),
      { type: 'consumer-group-target-assignment-metadata', groupId, value: null },
      ...memberIds.map((memberId): CoordinatorRecord => ({ type: 'consumer-group-member-metadata', groupId, memberId, value: null })),
      { type: 'consumer-group-partition-metadata', groupId, value: null },
      { type: 'consumer-group-metadata', groupId, value: null },
    ];
  }

  describe(defaultAssignor: string, assignorOrder: readonly string[], topicName: (topicId: string) => string | undefined): ConsumerGroupDescribeResponseDescribedGroup {
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId: this.groupId,
      groupState: this.state,
      groupEpoch: this.epoch,
      assignmentEpoch: this.assignmentEpoch,
      assignorName: this.preferredServerAssignor(assignorOrder) ?? defaultAssignor,
      members: [...this.memberById.values()].map((m) => describeMember(m, this.targetAssignment(m.memberId), topicName)),
      authorizedOperations: -2147483648,
    };
  }

  private requireMember(memberId: string): ConsumerGroupMember {
    const member = this.memberById.get(memberId);
    if (member === undefined || member.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${this.groupId}.`);
    }
    return member;
  }

  private validateMemberEpoch(received: number, member: ConsumerGroupMember): void {
    if (received !== member.memberEpoch) {
      throw new KafkaError(ErrorCode.STALE_MEMBER_EPOCH,
        `The received member epoch ${received} does not match the expected member epoch ${member.memberEpoch}.`);
    }
  }
}

function adjust(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
