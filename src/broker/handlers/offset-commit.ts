/**
 * OffsetCommit (key 8), versions 2-9 (Kafka 4.0 removed v0-1, KIP-896): a group's consumers record
 * how far they have read. Each partition answers on its own: UNKNOWN_TOPIC_OR_PARTITION for a
 * partition that does not exist, OFFSET_METADATA_TOO_LARGE past `offset.metadata.max.bytes`, the
 * group's verdict on the committer (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS,
 * FENCED_INSTANCE_ID, STALE_MEMBER_EPOCH, ...), or the coordinator's (NOT_COORDINATOR, ...). A
 * commit with generation -1 outside any group creates a "simple" group that holds the offsets.
 *
 * Per version: v2-4 carry a retention time that sets the offsets' own expiry; v5 drops it (the
 * broker's `offsets.retention.minutes` applies); v6 (KIP-320) leader epochs; v7 (KIP-345)
 * group.instance.id; v8 flexible; v9 (KIP-848) the member epoch of a consumer-protocol member in
 * place of the generation, and GROUP_ID_NOT_FOUND (instead of ILLEGAL_GENERATION) for a missing group.
 */
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: 8,
  minVersion: 2,
  maxVersion: 9,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.commitOffsets(request, ctx.apiVersion);
  },
});
