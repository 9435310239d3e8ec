/**
 * ClassicRebalancer: the deadlines and transitions of a classic group's rebalance, Kafka's
 * GroupMetadataManager rebalance machinery. It owns the timer keys of classic groups:
 *
 *   classic-heartbeat  per member: session expiry (a pending or new member's join expiry too);
 *   classic-join       per group: the end of the join phase (rebalance timeout, or the initial delay);
 *   classic-sync       per group: members owing a SyncGroup after the join phase, removed when it fires.
 *
 * A join phase ends when every member has rejoined or at the rebalance timeout (the members' largest),
 * dropping dynamic members that did not rejoin; the first rebalance of an empty group waits
 * `group.initial.rebalance.delay.ms`, extended while members keep arriving but never past the
 * rebalance timeout (Kafka's InitialDelayedJoin). The new generation's JoinGroup responses go out
 * together, the leader's carrying every member's metadata.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { JoinGroupResponse } from '../../protocol/generated/index.js';
import { appendErrorCode } from './append-errors.js';
import type { ClassicGroup } from './classic-group.js';
import { groupMetadataRecord } from './classic-group-records.js';
import { type ClassicGroupMember, EMPTY_ASSIGNMENT } from './classic-group-member.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { CoordinatorTimer } from './coordinator-timer.js';
import type { GroupCoordinatorConfig } from './group.js';

/** Kafka's classicGroupNewMemberJoinTimeoutMs (5 minutes): how long a new member's JoinGroup may stay parked. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;

export interface CoordinatorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ClassicRebalancerOptions {
  readonly config: GroupCoordinatorConfig;
  readonly timer: CoordinatorTimer;
  readonly logger: CoordinatorLogger;
  /** The classic group by id, if this coordinator holds it. */
  readonly lookup: (groupId: string) => ClassicGroup | undefined;
  /** Appends records to the group's `__consumer_offsets` partition. */
  readonly write: (groupId: string, records: readonly CoordinatorRecord[]) => Promise<void>;
}

export function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '',
    skipAssignment: false, memberId, members: [],
  };
}

/** The answer for a member of the current generation (the leader gets the members' metadata). */
export function generationResponse(group: ClassicGroup, memberId: string, withMembers: boolean, skipAssignment = false): JoinGroupResponse {
  return {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, generationId: group.generationId, protocolType: group.protocolType() === '' ? null : group.protocolType(),
    protocolName: group.protocolName, leader: group.leaderId ?? '', skipAssignment, memberId,
    members: withMembers ? group.currentMembers() : [],
  };
}

export class ClassicRebalancer {
  constructor(private readonly options: ClassicRebalancerOptions) {}

  private get timer(): CoordinatorTimer {
    return this.options.timer;
  }

  /** A deadline whose failure is logged: a timer callback that threw would take the broker down. */
  private schedule(key: string, delayMs: number, fn: () => void): void {
    this.timer.schedule(key, delayMs, () => {
      try {
        fn();
      } catch (err) {
        this.options.logger.error({ err, key }, 'classic group deadline failed');
      }
    });
  }

  // ---- heartbeats ----

  scheduleHeartbeat(group: ClassicGroup, memberId: string, timeoutMs: number): void {
    const groupId = group.groupId;
    this.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.expireHeartbeat(groupId, memberId));
  }

  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember): void {
    this.scheduleHeartbeat(group, member.memberId, member.sessionTimeoutMs);
  }

  cancelHeartbeat(groupId: string, memberId: string): void {
    this.timer.cancel(heartbeatKey(groupId, memberId));
  }

  private expireHeartbeat(groupId: string, memberId: string): void {
    const group = this.options.lookup(groupId);
    if (!group || group.is('Dead')) return;
    if (group.isPendingMember(memberId)) {
      this.options.logger.info({ groupId, memberId }, 'pending member expired before rejoining');
      group.remove(memberId);
      if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
      return;
    }
    if (!group.hasMember(memberId)) return;
    const member = group.member(memberId);
    if (member.hasSatisfiedHeartbeat()) return;
    this.options.logger.info({ groupId, memberId }, 'member session expired, removing it from the group');
    this.removeMemberAndUpdateGroup(group, member);
  }

  /** Drops a member (expired or left): its parked JoinGroup learns it is gone; the group rebalances. */
  removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember): void {
    group.completeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    this.cancelHeartbeat(group.groupId, member.memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group, `member ${member.memberId} removed`);
    else if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  // ---- join phase ----

  maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
    else this.maybeCompleteJoinPhase(group);
  }

  /** Completes the join phase if everyone is in, except during the initial delay (its timer decides). */
  maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || group.previousState === 'Empty' || !group.hasAllMembersJoined()) return;
    this.completeJoin(group);
  }

  prepareRebalance(group: ClassicGroup, reason: string): void {
    // Members waiting in SyncGroup must rejoin: their generation is over.
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const isInitialRebalance = group.is('Empty');
    if (isInitialRebalance) {
      const delayMs = this.options.config.groupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.scheduleInitialRebalance(group.groupId, delayMs, remainingMs);
    }
    group.transitionTo('PreparingRebalance');
    this.options.logger.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing to rebalance group');
    if (!isInitialRebalance) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) {
      this.completeJoin(group);
      return;
    }
    const groupId = group.groupId;
    this.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.completeJoinById(groupId));
  }

  private scheduleInitialRebalance(groupId: string, delayMs: number, remainingMs: number): void {
    this.schedule(joinKey(groupId), delayMs, () => this.tryCompleteInitialRebalance(groupId, delayMs, remainingMs));
  }

  /** Kafka's InitialDelayedJoin: while members keep arriving, wait another delay, up to the rebalance timeout. */
  private tryCompleteInitialRebalance(groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.options.lookup(groupId);
    if (!group) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const nextDelayMs = Math.min(this.options.config.groupInitialRebalanceDelayMs, remainingMs);
      this.scheduleInitialRebalance(groupId, nextDelayMs, Math.max(remainingMs - delayMs, 0));
      return;
    }
    this.completeJoin(group);
  }

  private completeJoinById(groupId: string): void {
    const group = this.options.lookup(groupId);
    if (group) this.completeJoin(group);
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are dropped (static ones keep their
   * place, KIP-345), the generation advances, and every parked JoinGroup is answered.
   */
  completeJoin(group: ClassicGroup): void {
    const groupId = group.groupId;
    this.timer.cancel(joinKey(groupId));
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStatic) continue;
      group.remove(member.memberId);
      this.cancelHeartbeat(groupId, member.memberId);
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that did not rejoin are left: wait again until they rejoin or expire.
      this.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.completeJoinById(groupId));
      return;
    }
    group.initNextGeneration();
    if (group.is('Empty')) {
      this.options.logger.info({ groupId, generationId: group.generationId }, 'group is now empty');
      this.persistQuietly(group, new Map());
      return;
    }
    this.options.logger.info({ groupId, generationId: group.generationId, members: group.size }, 'group completed its join phase');
    for (const member of group.allMembers()) {
      group.completeJoin(member, generationResponse(group, member.memberId, group.isLeader(member.memberId)));
      this.rescheduleHeartbeat(group, member);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Writes the group's metadata where a failure only costs the previous generation on a restart (Kafka only warns too). */
  persistQuietly(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    this.options.write(group.groupId, [groupMetadataRecord(group, assignment)]).catch((err: unknown) => {
      this.options.logger.warn({ groupId: group.groupId, errorCode: appendErrorCode(err) }, 'failed to write group metadata');
    });
  }

  // ---- sync phase ----

  private schedulePendingSync(group: ClassicGroup): void {
    const groupId = group.groupId;
    const generationId = group.generationId;
    this.schedule(syncKey(groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(groupId, generationId));
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.clearPendingSyncMembers();
    this.timer.cancel(syncKey(group.groupId));
  }

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.removePendingSyncMember(memberId);
    const isSyncPhase = group.is('CompletingRebalance') || group.is('Stable');
    if (!isSyncPhase || group.hasReceivedSyncFromAllMembers()) this.timer.cancel(syncKey(group.groupId));
  }

  /** Members that never sent their SyncGroup are removed, and the group rebalances without them. */
  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.options.lookup(groupId);
    if (!group || group.generationId !== generationId) return;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.hasReceivedSyncFromAllMembers()) return;
    const missing = group.allPendingSyncMembers();
    for (const memberId of missing) {
      group.remove(memberId);
      this.cancelHeartbeat(groupId, memberId);
    }
    this.prepareRebalance(group, `members ${missing.join(', ')} did not sync in time`);
  }

  resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.allMembers()) member.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, errorCode);
  }

  setAndPropagateAssignment(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    for (const member of group.allMembers()) member.assignment = assignment.get(member.memberId) ?? EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  /** Answers every parked SyncGroup; the session clock of each answered member restarts now. */
  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const isOk = errorCode === ErrorCode.NONE;
    const protocolType = isOk && group.protocolType() !== '' ? group.protocolType() : null;
    const protocolName = isOk ? group.protocolName : null;
    for (const member of group.allMembers()) {
      const answered = group.completeSync(member, { throttleTimeMs: 0, errorCode, protocolType, protocolName, assignment: member.assignment });
      if (answered) this.rescheduleHeartbeat(group, member);
    }
  }

  /** A write of the leader's assignment failed: members retry, the group rebalances (Kafka does the same). */
  failSync(group: ClassicGroup, err: unknown): void {
    const errorCode = appendErrorCode(err);
    this.resetAndPropagateAssignmentWithError(group, errorCode);
    this.maybePrepareRebalanceOrCompleteJoin(group, `error ${errorCode} writing the group assignment`);
  }

  // ---- unloading ----

  /** Every deadline of the group, for unloading and deletion. */
  cancelGroupTimers(group: ClassicGroup): void {
    this.timer.cancel(joinKey(group.groupId));
    this.timer.cancel(syncKey(group.groupId));
    for (const member of group.allMembers()) this.cancelHeartbeat(group.groupId, member.memberId);
    for (const memberId of group.pendingMemberIds()) this.cancelHeartbeat(group.groupId, memberId);
  }

  /** Kafka's onUnloaded: the group goes Dead and parked requests learn this broker no longer coordinates it. */
  unload(group: ClassicGroup): void {
    this.cancelGroupTimers(group);
    group.transitionTo('Dead');
    for (const member of group.allMembers()) {
      if (group.previousState === 'PreparingRebalance') group.completeJoin(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      group.completeSync(member, { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT });
    }
  }
}

// Ids are JSON-quoted in the keys, so no group or member id can collide with another's.
function heartbeatKey(groupId: string, memberId: string): string {
  return `classic-heartbeat:${JSON.stringify([groupId, memberId])}`;
}

function joinKey(groupId: string): string {
  return `classic-join:${JSON.stringify(groupId)}`;
}

function syncKey(groupId: string): string {
  return `classic-sync:${JSON.stringify(groupId)}`;
}
