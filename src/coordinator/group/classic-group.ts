/**
 * ClassicGroup: the state of one classic group (JoinGroup/SyncGroup rebalance protocol), Kafka's
 * ClassicGroup. It owns the members, the static-member index (group.instance.id → member id, KIP-345),
 * the pending members (given an id by MEMBER_ID_REQUIRED and expected back, KIP-394), the members
 * still owing a SyncGroup, and the state machine:
 *
 *   Empty → PreparingRebalance → CompletingRebalance → Stable, any → Dead (unloaded or deleted);
 *   Stable/CompletingRebalance → PreparingRebalance on a join, leave or expiry; PreparingRebalance →
 *   Empty when nobody rejoined.
 *
 * The rebalance logic that drives it (timers, parked requests, persistence) is ClassicGroupManager;
 * its record in `__consumer_offsets` is built by classic-group-records.ts.
 * A group without a protocol type is a "simple" group: it exists only because offsets were committed
 * for it by a consumer that does not use group management.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type DescribeGroupsResponseDescribedGroup, type GroupMetadataValue, type JoinGroupResponse, type JoinGroupResponseJoinGroupResponseMember,
  type SyncGroupResponse, defaultDescribeGroupsResponseDescribedGroup,
} from '../../protocol/generated/index.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import { ClassicGroupMember, type ClassicProtocol, EMPTY_ASSIGNMENT, copyProtocols } from './classic-group-member.js';
import { ProtocolVotes, subscribedTopicsOf } from './classic-group-protocols.js';
import type { Group, GroupType } from './group.js';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS_STATES: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export class ClassicGroup implements Group {
  readonly type: GroupType = 'classic';
  private currentState: ClassicGroupState;
  private lastState: ClassicGroupState | null = null;
  private stateTimestampMs: number | null;
  private groupProtocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  private readonly members = new Map<string, ClassicGroupMember>();
  private readonly staticMembers = new Map<string, string>();
  private readonly pendingJoinMembers = new Set<string>();
  private readonly pendingSyncMembers = new Set<string>();
  private readonly protocolVotes = new ProtocolVotes();
  private awaitingJoinCount = 0;
  private subscribedTopics: ReadonlySet<string> | null = null;
  /** A member joined during the initial rebalance's delay, which then extends it (Kafka's InitialDelayedJoin). */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    private readonly clock: () => number,
    initial: { state?: ClassicGroupState; generationId?: number; protocolType?: string | null; protocolName?: string | null; leaderId?: string | null; stateTimestampMs?: number | null } = {},
  ) {
    this.currentState = initial.state ?? 'Empty';
    this.generationId = initial.generationId ?? 0;
    this.groupProtocolType = initial.protocolType ?? null;
    this.protocolName = initial.protocolName ?? null;
    this.leaderId = initial.leaderId ?? null;
    this.stateTimestampMs = initial.stateTimestampMs === undefined ? clock() : initial.stateTimestampMs;
  }

  /** Rebuilds a group from its GroupMetadataValue record (Kafka's GroupMetadataManager.replay): Stable with members, else Empty. */
  static fromRecord(groupId: string, value: GroupMetadataValue, clock: () => number): ClassicGroup {
    const group = new ClassicGroup(groupId, clock, {
      state: value.members.length === 0 ? 'Empty' : 'Stable',
      generationId: value.generation,
      protocolType: value.protocolType === '' ? null : value.protocolType,
      protocolName: value.protocol,
      leaderId: value.leader,
      stateTimestampMs: value.currentStateTimestamp === -1 ? null : value.currentStateTimestamp,
    });
    for (const m of value.members) {
      group.add(new ClassicGroupMember({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        // Records of old versions have no rebalance timeout: the session timeout stands in, as in Kafka.
        rebalanceTimeoutMs: m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout, sessionTimeoutMs: m.sessionTimeout,
        protocolType: value.protocolType, supportedProtocols: [{ name: value.protocol ?? '', metadata: m.subscription }], assignment: m.assignment,
      }), null);
    }
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  // ---- Group interface ----

  stateName(): ClassicGroupState {
    return this.currentState;
  }

  protocolType(): string {
    return this.groupProtocolType ?? '';
  }

  isEmpty(): boolean {
    return this.currentState === 'Empty';
  }

  currentStateTimestampMs(): number {
    return this.stateTimestampMs ?? -1;
  }

  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number, isTransactional: boolean): void {
    if (this.currentState === 'Dead') throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // Generation -1 comes from admin tools and consumers without group management: fine while empty.
    if (generationId < 0 && this.currentState === 'Empty') return;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      this.validateMember(memberId, groupInstanceId);
      if (generationId !== this.generationId) throw new KafkaError(ErrorCode.ILLEGAL_GENERATION);
    } else if (!isTransactional && this.currentState !== 'Empty') {
      throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    // The member has the new generation from its JoinGroup but has not synced: let it finish first.
    if (!isTransactional && this.currentState === 'CompletingRebalance') throw new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS);
  }

  validateOffsetFetch(): void {
    if (this.currentState === 'Dead') throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${this.groupId} is in dead state.`);
  }

  validateOffsetDelete(): void {
    if (this.currentState === 'Dead') throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${this.groupId} is in dead state.`);
    if (this.currentState !== 'Empty' && !this.usesConsumerGroupProtocol()) throw new KafkaError(ErrorCode.NON_EMPTY_GROUP);
  }

  validateDeleteGroup(): void {
    if (this.currentState === 'Dead') throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${this.groupId} is in dead state.`);
    if (this.currentState !== 'Empty') throw new KafkaError(ErrorCode.NON_EMPTY_GROUP);
  }

  /** Known subscriptions decide; unknown ones (unparsable metadata) count as subscribed to everything for a consumer group. */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null ? this.usesConsumerGroupProtocol() : this.subscribedTopics.has(topic);
  }

  tombstoneRecords(): CoordinatorRecord[] {
    return [{ type: 'group-metadata', groupId: this.groupId, value: null }];
  }

  // ---- state ----

  get previousState(): ClassicGroupState | null {
    return this.lastState;
  }

  is(state: ClassicGroupState): boolean {
    return this.currentState === state;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.currentState);
  }

  transitionTo(state: ClassicGroupState): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.currentState)) {
      throw new Error(`group ${this.groupId} cannot go from ${this.currentState} to ${state}`);
    }
    this.lastState = this.currentState;
    this.currentState = state;
    this.stateTimestampMs = this.clock();
  }

  /** Undoes a transition to Dead whose tombstone could not be written (DeleteGroups). */
  restoreState(state: ClassicGroupState): void {
    this.currentState = state;
  }

  usesConsumerGroupProtocol(): boolean {
    return this.groupProtocolType === CONSUMER_PROTOCOL_TYPE;
  }

  isSimpleGroup(): boolean {
    return this.groupProtocolType === null;
  }

  hasKnownSubscriptions(): boolean {
    return this.subscribedTopics !== null;
  }

  // ---- members ----

  get size(): number {
    return this.members.size;
  }

  allMembers(): IterableIterator<ClassicGroupMember> {
    return this.members.values();
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const member = this.members.get(memberId);
    if (!member) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    this.pendingJoinMembers.add(memberId);
  }

  pendingMemberIds(): IterableIterator<string> {
    return this.pendingJoinMembers.values();
  }

  get awaitingJoinResponses(): number {
    return this.awaitingJoinCount;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0;
  }

  /** Max of the members' rebalance timeouts: how long a rebalance waits for everyone to rejoin. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** What Heartbeat and SyncGroup check first: a live group, a known (unfenced) member, the current generation. */
  validateGeneration(memberId: string, groupInstanceId: string | null, generationId: number): void {
    if (this.currentState === 'Dead') throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.validateMember(memberId, groupInstanceId);
    if (generationId !== this.generationId) throw new KafkaError(ErrorCode.ILLEGAL_GENERATION);
  }

  /** Kafka's validateMember: a static member's instance id must map to this member id (else it is fenced). */
  validateMember(memberId: string, groupInstanceId: string | null): void {
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID);
      if (existing !== memberId) throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID);
    }
    if (!this.members.has(memberId)) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID);
  }

  add(member: ClassicGroupMember, respond: ((r: JoinGroupResponse) => void) | null): void {
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.groupProtocolType = member.protocolType;
    this.leaderId ??= member.memberId;
    this.members.set(member.memberId, member);
    this.protocolVotes.add(member);
    member.awaitingJoin = respond;
    if (respond !== null) this.awaitingJoinCount++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed) {
      this.members.delete(memberId);
      this.protocolVotes.remove(removed);
      if (removed.isAwaitingJoin) this.awaitingJoinCount--;
      if (removed.groupInstanceId !== null) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** New protocols and timeouts from a rejoin; `respond` parks its JoinGroup (null: none parked). */
  updateMember(member: ClassicGroupMember, protocols: readonly ClassicProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, respond: ((r: JoinGroupResponse) => void) | null): void {
    this.protocolVotes.remove(member);
    member.supportedProtocols = copyProtocols(protocols);
    this.protocolVotes.add(member);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (respond !== null && !member.isAwaitingJoin) this.awaitingJoinCount++;
    else if (respond === null && member.isAwaitingJoin) this.awaitingJoinCount--;
    member.awaitingJoin = respond;
  }

  /**
   * A static member came back with a new member id (KIP-345): the new id takes the old one's place,
   * assignment and leadership; requests still parked under the old id are fenced.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    if (!old) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    this.completeJoin(old, { ...fencedJoin(), memberId: oldMemberId });
    this.completeSync(old, fencedSync());
    const replacement = new ClassicGroupMember({ ...old, memberId: newMemberId });
    this.members.set(newMemberId, replacement);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return replacement;
  }

  completeJoin(member: ClassicGroupMember, response: JoinGroupResponse): boolean {
    const respond = member.awaitingJoin;
    if (respond === null) return false;
    member.awaitingJoin = null;
    this.awaitingJoinCount--;
    respond(response);
    return true;
  }

  completeSync(member: ClassicGroupMember, response: SyncGroupResponse): boolean {
    const respond = member.awaitingSync;
    if (respond === null) return false;
    member.awaitingSync = null;
    respond(response);
    return true;
  }

  /** If the leader did not rejoin, the first member that did takes over; false when nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  addPendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.add(memberId);
  }

  removePendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.delete(memberId);
  }

  hasReceivedSyncFromAllMembers(): boolean {
    return this.pendingSyncMembers.size === 0;
  }

  allPendingSyncMembers(): string[] {
    return [...this.pendingSyncMembers];
  }

  clearPendingSyncMembers(): void {
    this.pendingSyncMembers.clear();
  }

  // ---- protocols ----

  /** May a member with these protocols join? An empty group takes any; otherwise type and one common protocol must match. */
  supportsProtocols(protocolType: string, protocolNames: readonly string[]): boolean {
    if (this.currentState === 'Empty') return protocolType !== '' && protocolNames.length > 0;
    return this.groupProtocolType === protocolType && this.protocolVotes.hasCommon(protocolNames, this.members.size);
  }

  /** The protocol the members' votes choose (classic-group-protocols.ts). */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    return this.protocolVotes.select([...this.members.values()]);
  }

  /** Next generation: CompletingRebalance with the selected protocol, or Empty when nobody is left. */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty');
    }
    this.clearPendingSyncMembers();
  }

  /** The members' subscribed topics; null when unknown (not a consumer group, or unparsable metadata). */
  private computeSubscribedTopics(): ReadonlySet<string> | null {
    if (!this.usesConsumerGroupProtocol()) return null;
    if (this.members.size === 0) return new Set();
    return this.protocolName === null ? null : subscribedTopicsOf(this.members.values(), this.protocolName);
  }

  // ---- views ----

  /** What the leader's JoinGroup response lists: every member with its metadata for the chosen protocol. */
  currentMembers(): JoinGroupResponseJoinGroupResponseMember[] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  groupAssignment(): Map<string, Buffer> {
    return new Map([...this.members.values()].map((m) => [m.memberId, m.assignment]));
  }

  /** DescribeGroups: member metadata only once Stable (the protocol is settled then); assignments always. */
  describe(): DescribeGroupsResponseDescribedGroup {
    const isStable = this.currentState === 'Stable';
    return {
      ...defaultDescribeGroupsResponseDescribedGroup(),
      groupId: this.groupId, groupState: this.currentState, protocolType: this.protocolType(),
      protocolData: isStable ? this.protocolName ?? '' : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        memberMetadata: isStable ? m.metadata(this.protocolName ?? '') : EMPTY_ASSIGNMENT, memberAssignment: m.assignment,
      })),
    };
  }
}

function fencedJoin(): JoinGroupResponse {
  return {
    throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID, generationId: -1, protocolType: null, protocolName: null,
    leader: '', skipAssignment: false, memberId: '', members: [],
  };
}

function fencedSync(): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}
