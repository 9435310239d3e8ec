/**
 * The group coordinator's administrative side, for groups of both types: ListGroups, DescribeGroups,
 * DeleteGroups, and the periodic expiration of committed offsets (Kafka's GroupMetadataManager
 * listGroups/describeGroups, GroupCoordinatorShard deleteGroups/cleanupGroupMetadata).
 *
 * Expiration (every `offsets.retention.check.interval.ms`): an offset expires `offsets.retention.ms`
 * after its base time, unless a member still subscribes to its topic. The base is the commit time,
 * and for an Empty classic group the later of the commit time and the moment the group became
 * Empty, so a group's offsets are kept a full retention period after its last member left. Only
 * Empty classic groups, simple groups, Stable consumer-protocol classic groups (for topics nobody
 * subscribes to any more) and KIP-848 consumer groups expire offsets. An empty group left with no
 * offsets is deleted. Tombstones go out as one batch per partition, applied once written.
 */
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import {
  type DeleteGroupsRequest, type DeleteGroupsResponse, type DeleteGroupsResponseDeletableGroupResult,
  type DescribeGroupsRequest, type DescribeGroupsResponse, type DescribeGroupsResponseDescribedGroup,
  type ListGroupsRequest, type ListGroupsResponse, defaultDeleteGroupsResponse, defaultDescribeGroupsResponse,
  defaultDescribeGroupsResponseDescribedGroup, defaultListGroupsResponse,
} from '../../protocol/generated/index.js';
import { appendErrorCode } from './append-errors.js';
import { ClassicGroup, type ClassicGroupState } from './classic-group.js';
import type { CoordinatorContext } from './coordinator-context.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { Group } from './group.js';
import type { ExpirationBase } from './offset-manager.js';

/** ListGroups: v4+ filters by state, v5+ by type (both case-insensitive; an unknown one matches nothing). */
export function listGroups(ctx: CoordinatorContext, request: ListGroupsRequest, apiVersion: number): ListGroupsResponse {
  if (ctx.isLoading()) return { ...defaultListGroupsResponse(), errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
  const states = new Set(apiVersion >= 4 ? request.statesFilter.map((s) => s.trim().toLowerCase()) : []);
  const types = new Set(apiVersion >= 5 ? request.typesFilter.map((t) => t.trim().toLowerCase()) : []);
  const groups = [];
  for (const group of ctx.groups.values()) {
    if (states.size > 0 && !states.has(group.stateName().toLowerCase())) continue;
    if (types.size > 0 && !types.has(group.type)) continue;
    groups.push({ groupId: group.groupId, protocolType: group.protocolType(), groupState: group.stateName(), groupType: group.type });
  }
  return { ...defaultListGroupsResponse(), groups };
}

/**
 * DescribeGroups: classic groups only. An unknown id, or a KIP-848 consumer group, answers state
 * "Dead" with no error, as Kafka does; member metadata is included once the group is Stable.
 */
export function describeGroups(ctx: CoordinatorContext, request: DescribeGroupsRequest): DescribeGroupsResponse {
  const groups = request.groups.map((groupId): DescribeGroupsResponseDescribedGroup => {
    const errorCode = ctx.coordinatorError(groupId);
    if (errorCode !== ErrorCode.NONE) return { ...defaultDescribeGroupsResponseDescribedGroup(), groupId, errorCode };
    const group = ctx.groups.get(groupId);
    if (group instanceof ClassicGroup) return group.describe();
    return { ...defaultDescribeGroupsResponseDescribedGroup(), groupId, groupState: 'Dead' };
  });
  return { ...defaultDescribeGroupsResponse(), groups };
}

interface PartitionDeletion {
  readonly groups: Group[];
  readonly records: CoordinatorRecord[];
  /** Classic groups are Dead while their tombstones are written; restored if the write fails. */
  readonly previousStates: Map<ClassicGroup, ClassicGroupState>;
}

/** DeleteGroups: only empty groups (NON_EMPTY_GROUP else); tombstones for the group and all its offsets, one batch per partition. */
export async function deleteGroups(ctx: CoordinatorContext, request: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
  const groupIds = [...new Set(request.groupsNames)];
  const results = new Map<string, number>();
  const byPartition = new Map<number, PartitionDeletion>();
  for (const groupId of groupIds) {
    const errorCode = ctx.coordinatorError(groupId);
    if (errorCode !== ErrorCode.NONE) {
      results.set(groupId, errorCode);
      continue;
    }
    const group = ctx.groups.get(groupId);
    if (!group) {
      results.set(groupId, ErrorCode.GROUP_ID_NOT_FOUND);
      continue;
    }
    try {
      group.validateDeleteGroup();
    } catch (err) {
      results.set(groupId, errorCodeOf(err));
      continue;
    }
    const partition = ctx.partitionFor(groupId);
    let deletion = byPartition.get(partition);
    if (!deletion) byPartition.set(partition, (deletion = { groups: [], records: [], previousStates: new Map() }));
    deletion.groups.push(group);
    deletion.records.push(...ctx.offsets.allTombstones(groupId), ...group.tombstoneRecords());
    if (group instanceof ClassicGroup) {
      // Joins and commits meanwhile get COORDINATOR_NOT_AVAILABLE, and retry once the group is gone.
      deletion.previousStates.set(group, group.stateName());
      group.transitionTo('Dead');
    }
  }
  await Promise.all([...byPartition].map(async ([partition, deletion]) => {
    let errorCode: number = ErrorCode.NONE;
    try {
      await ctx.writeAndApply(partition, deletion.records);
      for (const group of deletion.groups) if (ctx.groups.get(group.groupId) === group) ctx.groups.delete(group.groupId);
      ctx.logger.info({ groups: deletion.groups.map((g) => g.groupId) }, 'deleted groups');
    } catch (err) {
      errorCode = appendErrorCode(err);
      for (const [group, state] of deletion.previousStates) group.restoreState(state);
    }
    for (const group of deletion.groups) results.set(group.groupId, errorCode);
  }));
  const deleted: DeleteGroupsResponseDeletableGroupResult[] = groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.NONE }));
  return { ...defaultDeleteGroupsResponse(), results: deleted };
}

/** When a group's offsets start counting towards retention; null when they must not expire now. */
export function expirationBase(group: Group): ExpirationBase | null {
  const byCommitTime: ExpirationBase = (offset) => offset.commitTimestampMs;
  if (!(group instanceof ClassicGroup)) return byCommitTime;
  if (group.isSimpleGroup()) return byCommitTime;
  if (group.is('Empty')) return (offset) => Math.max(offset.commitTimestampMs, group.currentStateTimestampMs());
  if (group.is('Stable') && group.usesConsumerGroupProtocol() && group.hasKnownSubscriptions()) return byCommitTime;
  return null;
}

/** One expiration pass over every loaded partition. */
export async function expireOffsets(ctx: CoordinatorContext): Promise<void> {
  const nowMs = ctx.now();
  await Promise.all(ctx.loadedPartitions().map(async (partition) => {
    const records: CoordinatorRecord[] = [];
    const emptied: Group[] = [];
    for (const group of ctx.groups.values()) {
      if (ctx.partitionFor(group.groupId) !== partition) continue;
      const plan = ctx.offsets.planExpiration(group, expirationBase(group), nowMs, ctx.config.offsetsRetentionMs);
      records.push(...plan.records);
      if (plan.allExpired && group.isEmpty()) {
        records.push(...group.tombstoneRecords());
        emptied.push(group);
      }
    }
    if (records.length === 0) return;
    try {
      await ctx.writeAndApply(partition, records);
    } catch (err) {
      ctx.logger.warn({ partition, errorCode: appendErrorCode(err) }, 'failed to write expired offsets');
      return;
    }
    for (const group of emptied) {
      // A member may have joined while the tombstones were written: then the group stays.
      if (ctx.groups.get(group.groupId) === group && group.isEmpty() && !ctx.offsets.hasOffsets(group.groupId)) ctx.groups.delete(group.groupId);
    }
    ctx.logger.info({ partition, tombstones: records.length, deletedGroups: emptied.length }, 'expired group metadata');
  }));
}
