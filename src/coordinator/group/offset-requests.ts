/**
 * OffsetCommit, OffsetFetch and OffsetDelete as the group coordinator serves them (Kafka's
 * OffsetMetadataManager with KafkaApis' per-version shaping). Offsets are stored by OffsetManager;
 * this module checks the coordinator and the group, writes the records and answers per partition.
 *
 * OffsetCommit: partitions of unknown topics answer UNKNOWN_TOPIC_OR_PARTITION first (Kafka checks
 * the metadata before the coordinator). A commit with generation -1 to a group that does not exist
 * creates an empty "simple" classic group (protocol type ""), as Kafka does for consumers that
 * assign partitions themselves; with a generation, a missing group is GROUP_ID_NOT_FOUND from v9
 * and ILLEGAL_GENERATION before. The group validates the committer (generation or KIP-848 member
 * epoch). All records of a request go out as one batch; a failed write answers every partition
 * with the mapped error and changes nothing.
 *
 * OffsetFetch: v8+ batches groups (KIP-709), v9+ names the member (KIP-848); null topics (v2+) ask
 * for every committed offset. A partition without a commit answers offset -1, leader epoch -1 and
 * metadata "". Before v8 the one group's answer is spread over the top level (v2+ top-level error;
 * before v2 the error goes to each partition). requireStable needs no waiting: there are no pending
 * transactional commits yet.
 */
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import {
  type OffsetCommitRequest, type OffsetCommitResponse, type OffsetCommitResponseOffsetCommitResponseTopic,
  type OffsetDeleteRequest, type OffsetDeleteResponse, type OffsetFetchRequest, type OffsetFetchResponse,
  type OffsetFetchResponseOffsetFetchResponseGroup, defaultOffsetCommitResponse, defaultOffsetDeleteResponse,
  defaultOffsetFetchResponse,
} from '../../protocol/generated/index.js';
import { appendErrorCode } from './append-errors.js';
import { ClassicGroup } from './classic-group.js';
import type { CoordinatorContext } from './coordinator-context.js';
import type { FetchTopic } from './offset-manager.js';

export async function commitOffsets(ctx: CoordinatorContext, request: OffsetCommitRequest, apiVersion: number): Promise<OffsetCommitResponse> {
  const coordinatorError = ctx.coordinatorError(request.groupId);
  if (coordinatorError !== ErrorCode.NONE) return commitResponse(everyPartition(request, coordinatorError));

  const plan = ctx.offsets.planCommit(request, ctx.now(), ctx.config.offsetMetadataMaxBytes, ctx.topics);
  if (plan.topics.every((t) => t.partitions.every((p) => p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))) {
    return commitResponse(plan.topics);
  }
  const groupError = validateCommit(ctx, request, apiVersion);
  if (groupError !== ErrorCode.NONE) return commitResponse(withError(plan.topics, ErrorCode.NONE, groupError, true));

  const group = ctx.groups.get(request.groupId);
  // A commit from a member counts as a sign of life while the group is Stable or rebalancing.
  if (group instanceof ClassicGroup) ctx.classic.touchMember(group, request.memberId);
  if (plan.records.length === 0) return commitResponse(plan.topics);
  try {
    await ctx.writeAndApply(ctx.partitionFor(request.groupId), plan.records);
  } catch (err) {
    return commitResponse(withError(plan.topics, ErrorCode.NONE, appendErrorCode(err, true), false));
  }
  return commitResponse(plan.topics);
}

function validateCommit(ctx: CoordinatorContext, request: OffsetCommitRequest, apiVersion: number): number {
  const group = ctx.groups.get(request.groupId);
  if (!group) {
    // No group and no generation: a consumer managing its own partitions; the group is created with the offsets.
    if (request.generationIdOrMemberEpoch < 0) return ErrorCode.NONE;
    return apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
  }
  try {
    group.validateOffsetCommit(request.memberId, request.groupInstanceId, request.generationIdOrMemberEpoch, false, apiVersion);
    return ErrorCode.NONE;
  } catch (err) {
    return errorCodeOf(err);
  }
}

function commitResponse(topics: OffsetCommitResponseOffsetCommitResponseTopic[]): OffsetCommitResponse {
  return { ...defaultOffsetCommitResponse(), topics };
}

function everyPartition(request: OffsetCommitRequest, errorCode: number): OffsetCommitResponseOffsetCommitResponseTopic[] {
  return request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}

/** Replaces `from` (or, with `allButUnknown`, every code except UNKNOWN_TOPIC_OR_PARTITION) with `to`. */
function withError(topics: OffsetCommitResponseOffsetCommitResponseTopic[], from: number, to: number, allButUnknown: boolean): OffsetCommitResponseOffsetCommitResponseTopic[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const isReplaced = allButUnknown ? p.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : p.errorCode === from;
      return isReplaced ? { partitionIndex: p.partitionIndex, errorCode: to } : p;
    }),
  }));
}

interface FetchGroupRequest {
  readonly groupId: string;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly topics: readonly FetchTopic[] | null;
}

export function fetchOffsets(ctx: CoordinatorContext, request: OffsetFetchRequest, apiVersion: number): OffsetFetchResponse {
  if (apiVersion >= 8) {
    const groups = request.groups.map((g) => fetchGroup(ctx, {
      groupId: g.groupId, memberId: apiVersion >= 9 ? g.memberId : null, memberEpoch: apiVersion >= 9 ? g.memberEpoch : -1, topics: g.topics,
    }));
    return { ...defaultOffsetFetchResponse(), groups };
  }
  const group = fetchGroup(ctx, { groupId: request.groupId, memberId: null, memberEpoch: -1, topics: request.topics });
  if (apiVersion >= 2 || group.errorCode === ErrorCode.NONE) return { ...defaultOffsetFetchResponse(), topics: group.topics, errorCode: group.errorCode };
  // v0-1 have no top-level error: each requested partition carries it.
  const topics = noOffsets(request.topics).map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, errorCode: group.errorCode })) }));
  return { ...defaultOffsetFetchResponse(), topics };
}

function fetchGroup(ctx: CoordinatorContext, request: FetchGroupRequest): OffsetFetchResponseOffsetFetchResponseGroup {
  const coordinatorError = ctx.coordinatorError(request.groupId);
  if (coordinatorError !== ErrorCode.NONE) return { groupId: request.groupId, topics: [], errorCode: coordinatorError };
  const group = ctx.groups.get(request.groupId);
  let hasGroup = group !== undefined;
  try {
    group?.validateOffsetFetch(request.memberId, request.memberEpoch);
  } catch (err) {
    const errorCode = errorCodeOf(err);
    // A dead group answers as a missing one: nothing committed.
    if (errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) return { groupId: request.groupId, topics: [], errorCode };
    hasGroup = false;
  }
  const topics = hasGroup ? ctx.offsets.fetch(request.groupId, request.topics) : noOffsets(request.topics);
  return { groupId: request.groupId, topics, errorCode: ErrorCode.NONE };
}

function noOffsets(topics: readonly FetchTopic[] | null): OffsetFetchResponseOffsetFetchResponseGroup['topics'] {
  return (topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE })),
  }));
}

/**
 * OffsetDelete (KIP-496): only for an empty group or a consumer group's topics nobody subscribes to
 * (GROUP_SUBSCRIBED_TO_TOPIC per partition otherwise); tombstones for what is committed.
 */
export async function deleteOffsets(ctx: CoordinatorContext, request: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
  const failed = (errorCode: number): OffsetDeleteResponse => ({ ...defaultOffsetDeleteResponse(), errorCode });
  if (request.groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
  const coordinatorError = ctx.coordinatorError(request.groupId);
  if (coordinatorError !== ErrorCode.NONE) return failed(coordinatorError);
  const group = ctx.groups.get(request.groupId);
  if (!group) return failed(ErrorCode.GROUP_ID_NOT_FOUND);
  try {
    group.validateOffsetDelete();
  } catch (err) {
    return failed(errorCodeOf(err));
  }
  const plan = ctx.offsets.planDelete(group, request.topics);
  if (plan.records.length > 0) {
    try {
      await ctx.writeAndApply(ctx.partitionFor(request.groupId), plan.records);
    } catch (err) {
      return failed(appendErrorCode(err));
    }
  }
  return { ...defaultOffsetDeleteResponse(), topics: plan.topics };
}
