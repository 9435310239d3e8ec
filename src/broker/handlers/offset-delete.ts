/**
 * OffsetDelete (key 47), version 0 (KIP-496): deletes a group's committed offsets of some partitions.
 * The group must exist (GROUP_ID_NOT_FOUND) and be empty, unless it is a consumer group, whose
 * offsets can be deleted for topics no member subscribes to; partitions of a subscribed topic answer
 * GROUP_SUBSCRIBED_TO_TOPIC. A classic group's subscriptions are read from its members' consumer
 * protocol metadata.
 */
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.deleteOffsets(request, ctx.apiVersion);
  },
});
