/**
 * ClassicGroupManager: JoinGroup, SyncGroup, Heartbeat and LeaveGroup for classic groups, as Kafka's
 * GroupMetadataManager serves them (its classicGroup* methods). The facade has already checked the
 * coordinator, the group id and the session timeout; this module applies the protocol:
 *
 * - A dynamic member without an id gets MEMBER_ID_REQUIRED and a fresh `clientId-uuid` (JoinGroup v4+,
 *   KIP-394); it is pending until it rejoins with it, or its session timeout expires. A static member
 *   (group.instance.id, KIP-345) gets an id at once, and a known instance that rejoins takes its old
 *   member's place: while Stable, with its previous assignment and no rebalance unless the group's
 *   protocol would change.
 * - A join from a new member, a changed member, or the leader starts a rebalance; an unchanged
 *   follower of a Stable group just gets the current generation back.
 * - SyncGroup parks every member until the leader's assignment is written as the group's
 *   GroupMetadataValue record; only then do members get their assignments and the group go Stable.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import type {
  HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponseMemberResponse,
  SyncGroupRequest, SyncGroupResponse,
} from '../../protocol/generated/index.js';
import { appendErrorCode } from './append-errors.js';
import { ClassicGroup } from './classic-group.js';
import { groupMetadataRecord } from './classic-group-records.js';
import { ClassicGroupMember, EMPTY_ASSIGNMENT, type JoinResponder } from './classic-group-member.js';
import {
  type ClassicRebalancer, type CoordinatorLogger, NEW_MEMBER_JOIN_TIMEOUT_MS, generationResponse, joinError,
} from './classic-rebalancer.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { ClientInfo, Group, GroupCoordinatorConfig } from './group.js';

export interface ClassicGroupManagerOptions {
  readonly config: GroupCoordinatorConfig;
  readonly groups: Map<string, Group>;
  readonly rebalancer: ClassicRebalancer;
  readonly clock: () => number;
  readonly logger: CoordinatorLogger;
  readonly write: (groupId: string, records: readonly CoordinatorRecord[]) => Promise<void>;
}

export interface JoinContext extends ClientInfo {
  readonly apiVersion: number;
}

export function syncError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

export class ClassicGroupManager {
  private readonly rebalancer: ClassicRebalancer;

  constructor(private readonly options: ClassicGroupManagerOptions) {
    this.rebalancer = options.rebalancer;
  }

  classicGroup(groupId: string): ClassicGroup | undefined {
    const group = this.options.groups.get(groupId);
    return group instanceof ClassicGroup ? group : undefined;
  }

  // ---- JoinGroup ----

  join(context: JoinContext, request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return new Promise((resolve) => this.joinInto(context, request, resolve));
  }

  private joinInto(context: JoinContext, request: JoinGroupRequest, respond: JoinResponder): void {
    const isUnknownMember = request.memberId === '';
    let group = this.classicGroup(request.groupId);
    const isNewGroup = group === undefined;
    if (group === undefined) {
      // A member with an id cannot join a group that does not exist: it must start over.
      if (!isUnknownMember) return respond(joinError(request.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new ClassicGroup(request.groupId, this.options.clock);
      this.options.groups.set(group.groupId, group);
    }
    if (!this.acceptJoiningMember(group, request.memberId)) {
      group.remove(request.memberId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.joinNewMember(context, request, group, respond);
    } else {
      this.joinExistingMember(context, request, group, respond);
    }
    // Kafka writes a freshly created group, so it survives a restart even before its first generation.
    if (isNewGroup && group.is('Empty') && group.size === 0) this.rebalancer.persistQuietly(group, new Map());
  }

  /** `group.max.size`: counted in members awaiting join while rebalancing, so the last to rejoin are the ones turned away. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const maxSize = this.options.config.groupMaxSize;
    switch (group.stateName()) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin) || group.awaitingJoinResponses < maxSize;
      default:
        return group.hasMember(memberId) || group.size < maxSize;
    }
  }

  private joinNewMember(context: JoinContext, request: JoinGroupRequest, group: ClassicGroup, respond: JoinResponder): void {
    if (group.is('Dead')) return respond(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(request.protocolType, request.protocols.map((p) => p.name))) {
      return respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newMemberId = `${request.groupInstanceId ?? context.clientId}-${randomUUID()}`;
    if (request.groupInstanceId !== null) {
      const existingMemberId = group.staticMemberId(request.groupInstanceId);
      if (existingMemberId !== undefined) return this.replaceStaticMember(context, request, group, existingMemberId, newMemberId, respond);
      return this.addMemberThenRebalanceOrCompleteJoin(context, request, group, newMemberId, respond);
    }
    if (context.apiVersion >= 4) {
      // KIP-394: the member must come back with this id, so a client that never gets this answer leaves no member behind.
      group.addPendingMember(newMemberId);
      this.rebalancer.scheduleHeartbeat(group, newMemberId, request.sessionTimeoutMs);
      return respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    this.addMemberThenRebalanceOrCompleteJoin(context, request, group, newMemberId, respond);
  }

  private joinExistingMember(context: JoinContext, request: JoinGroupRequest, group: ClassicGroup, respond: JoinResponder): void {
    const memberId = request.memberId;
    if (group.is('Dead')) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(request.protocolType, request.protocols.map((p) => p.name))) {
      return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.isPendingMember(memberId)) {
      // A pending member is dynamic by construction; a static id here is a client bug Kafka refuses too.
      if (request.groupInstanceId !== null) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return this.addMemberThenRebalanceOrCompleteJoin(context, request, group, memberId, respond);
    }
    try {
      group.validateMember(memberId, request.groupInstanceId);
    } catch (err) {
      return respond(joinError(memberId, errorCodeOf(err)));
    }
    const member = group.member(memberId);
    const isUnchanged = member.matches(request.protocols);
    switch (group.stateName()) {
      case 'PreparingRebalance':
        return this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, respond);
      case 'CompletingRebalance':
        // The same join again (its response was lost): answer with the current generation.
        if (isUnchanged) return respond(generationResponse(group, memberId, group.isLeader(memberId)));
        return this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, respond);
      case 'Stable':
        // The leader rejoins to make the group reassign (e.g. its topics' partitions changed).
        if (group.isLeader(memberId) || !isUnchanged) return this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, respond);
        return respond(generationResponse(group, memberId, false));
      default:
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private updateMemberThenRebalanceOrCompleteJoin(request: JoinGroupRequest, group: ClassicGroup, member: ClassicGroupMember, respond: JoinResponder): void {
    group.updateMember(member, request.protocols, request.rebalanceTimeoutMs, request.sessionTimeoutMs, respond);
    this.rebalancer.maybePrepareRebalanceOrCompleteJoin(group, `member ${member.memberId} rejoined in ${group.stateName()}`);
  }

  private addMemberThenRebalanceOrCompleteJoin(
    context: JoinContext, request: JoinGroupRequest, group: ClassicGroup, memberId: string, respond: JoinResponder,
  ): void {
    const member = new ClassicGroupMember({
      memberId, groupInstanceId: request.groupInstanceId, clientId: context.clientId, clientHost: context.clientHost,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs, sessionTimeoutMs: request.sessionTimeoutMs,
      protocolType: request.protocolType, supportedProtocols: request.protocols,
    });
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, respond);
    // A parked JoinGroup cannot heartbeat, and a client that gave up on it would leave a defunct
    // member behind; so a new member's join expires after a fixed time instead of its session.
    this.rebalancer.scheduleHeartbeat(group, memberId, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.rebalancer.maybePrepareRebalanceOrCompleteJoin(group, `new member ${memberId} joined`);
  }

  /**
   * A known static member rejoined with no member id (KIP-345): the new id replaces the old one. While
   * Stable and the group's protocol stays the same, it gets the current generation and its previous
   * assignment once the change is written, without a rebalance; if the write fails, the old id is
   * restored and the member told to retry.
   */
  private replaceStaticMember(
    context: JoinContext, request: JoinGroupRequest, group: ClassicGroup, oldMemberId: string, newMemberId: string, respond: JoinResponder,
  ): void {
    const instanceId = request.groupInstanceId!;
    const previousLeader = group.leaderId;
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.rebalancer.cancelHeartbeat(group.groupId, oldMemberId);
    this.rebalancer.rescheduleHeartbeat(group, member);
    const previous = { protocols: member.supportedProtocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    group.updateMember(member, request.protocols, request.rebalanceTimeoutMs, request.sessionTimeoutMs, respond);

    if (group.is('CompletingRebalance')) {
      // The leader may already be assigning to the old id: only a new rebalance keeps ids and assignments consistent.
      return this.rebalancer.prepareRebalance(group, `static member ${instanceId} rejoined with a new member id`);
    }
    if (!group.is('Stable')) return this.rebalancer.maybeCompleteJoinPhase(group);
    if (group.protocolName !== group.selectProtocol()) {
      return this.rebalancer.maybePrepareRebalanceOrCompleteJoin(group, `static member ${instanceId} changes the group's protocol`);
    }
    const generationId = group.generationId;
    // A rebalance that starts while the write is under way answers the member itself.
    const isStillParked = (): boolean => group.is('Stable') && group.generationId === generationId && member.awaitingJoin === respond;
    this.options.write(group.groupId, [groupMetadataRecord(group, group.groupAssignment())]).then(() => {
      if (!isStillParked()) return;
      if (context.apiVersion >= 9) {
        // KIP-814: a leader that is told to skip the assignment still learns the members.
        const isLeader = group.isLeader(newMemberId);
        group.completeJoin(member, generationResponse(group, newMemberId, isLeader, isLeader));
      } else {
        group.completeJoin(member, { ...generationResponse(group, newMemberId, false), leader: previousLeader ?? '' });
      }
    }, (err: unknown) => {
      this.options.logger.warn({ groupId: group.groupId, groupInstanceId: instanceId, err }, 'failed to write a static member replacement, reverting it');
      if (!isStillParked()) return;
      group.updateMember(member, previous.protocols, previous.rebalanceTimeoutMs, previous.sessionTimeoutMs, null);
      const restored = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
      this.rebalancer.cancelHeartbeat(group.groupId, newMemberId);
      this.rebalancer.rescheduleHeartbeat(group, restored);
      respond({ ...generationResponse(group, '', false), leader: previousLeader ?? '', errorCode: appendErrorCode(err) });
    }).catch((err: unknown) => this.logFailure(group, err));
  }

  // ---- SyncGroup ----

  sync(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    return new Promise((resolve) => this.syncInto(request, resolve));
  }

  private syncInto(request: SyncGroupRequest, respond: (r: SyncGroupResponse) => void): void {
    const group = this.classicGroup(request.groupId);
    if (!group || group.isEmpty()) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const errorCode = validateSync(group, request);
    if (errorCode !== ErrorCode.NONE) return respond(syncError(errorCode));
    const memberId = request.memberId;
    if (group.is('PreparingRebalance')) return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (group.is('Stable')) {
      this.rebalancer.removePendingSyncMember(group, memberId);
      const protocolType = group.protocolType() === '' ? null : group.protocolType();
      return respond({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType, protocolName: group.protocolName, assignment: group.member(memberId).assignment });
    }
    // CompletingRebalance: park until the leader's assignment is written.
    group.member(memberId).awaitingSync = respond;
    this.rebalancer.removePendingSyncMember(group, memberId);
    if (!group.isLeader(memberId)) return;
    const assignment = new Map<string, Buffer>();
    for (const a of request.assignments) assignment.set(a.memberId, Buffer.from(a.assignment));
    for (const m of group.allMembers()) if (!assignment.has(m.memberId)) assignment.set(m.memberId, EMPTY_ASSIGNMENT);
    const generationId = group.generationId;
    this.options.write(group.groupId, [groupMetadataRecord(group, assignment)]).then(() => {
      // A join or expiry may have started another rebalance meanwhile; then this assignment is stale.
      if (!group.is('CompletingRebalance') || group.generationId !== generationId) return;
      this.rebalancer.setAndPropagateAssignment(group, assignment);
      group.transitionTo('Stable');
    }, (err: unknown) => {
      if (!group.is('CompletingRebalance') || group.generationId !== generationId) return;
      this.rebalancer.failSync(group, err);
    }).catch((err: unknown) => this.logFailure(group, err));
  }

  /** A failure while applying a write's outcome: logged, never left as an unhandled rejection. */
  private logFailure(group: ClassicGroup, err: unknown): void {
    this.options.logger.error({ err, groupId: group.groupId }, 'failed to apply a classic group write');
  }

  // ---- Heartbeat ----

  heartbeat(request: HeartbeatRequest): number {
    const group = this.classicGroup(request.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    try {
      group.validateGeneration(request.memberId, request.groupInstanceId, request.generationId);
    } catch (err) {
      return errorCodeOf(err);
    }
    if (group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    // A member may heartbeat right after its JoinGroup answer, before syncing: that counts as alive.
    this.rebalancer.rescheduleHeartbeat(group, group.member(request.memberId));
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** An offset commit keeps a member's session alive while the group is Stable or rebalancing (Kafka does the same). */
  touchMember(group: ClassicGroup, memberId: string): void {
    if ((group.is('Stable') || group.is('PreparingRebalance')) && group.hasMember(memberId)) {
      this.rebalancer.rescheduleHeartbeat(group, group.member(memberId));
    }
  }

  // ---- LeaveGroup ----

  /** Per-member results; members are named by member id, or by instance id alone (admin removal, KIP-345). */
  leave(group: ClassicGroup, members: LeaveGroupRequest['members']): { errorCode: number; members: LeaveGroupResponseMemberResponse[] } {
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results: LeaveGroupResponseMemberResponse[] = [];
    let anyLeft = false;
    for (const identity of members) {
      const errorCode = this.leaveOne(group, identity.memberId, identity.groupInstanceId);
      if (errorCode === ErrorCode.NONE) anyLeft = true;
      results.push({ memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, errorCode });
    }
    if (anyLeft) {
      if (group.is('Stable') || group.is('CompletingRebalance')) this.rebalancer.maybePrepareRebalanceOrCompleteJoin(group, 'members left the group');
      else if (group.is('PreparingRebalance')) this.rebalancer.maybeCompleteJoinPhase(group);
    }
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private leaveOne(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (memberId === '') {
      const staticId = groupInstanceId === null ? undefined : group.staticMemberId(groupInstanceId);
      if (staticId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeLeavingMember(group, staticId);
      return ErrorCode.NONE;
    }
    if (group.isPendingMember(memberId)) {
      group.remove(memberId);
      this.rebalancer.cancelHeartbeat(group.groupId, memberId);
      return ErrorCode.NONE;
    }
    try {
      group.validateMember(memberId, groupInstanceId);
    } catch (err) {
      return errorCodeOf(err);
    }
    this.removeLeavingMember(group, memberId);
    return ErrorCode.NONE;
  }

  private removeLeavingMember(group: ClassicGroup, memberId: string): void {
    const member = group.member(memberId);
    this.rebalancer.cancelHeartbeat(group.groupId, memberId);
    this.options.logger.info({ groupId: group.groupId, memberId }, 'member left the group');
    group.completeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(memberId);
  }
}

function validateSync(group: ClassicGroup, request: SyncGroupRequest): number {
  try {
    group.validateGeneration(request.memberId, request.groupInstanceId, request.generationId);
  } catch (err) {
    return errorCodeOf(err);
  }
  const groupType = group.protocolType() === '' ? null : group.protocolType();
  if (isInconsistent(request.protocolType, groupType) || isInconsistent(request.protocolName, group.protocolName)) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  return ErrorCode.NONE;
}

/** SyncGroup v5+ names the protocol (KIP-559); older versions send null, which matches anything. */
function isInconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}
