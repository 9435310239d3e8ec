/**
 * OffsetFetch (key 9), versions 1-9 (Kafka 4.0 removed v0, which read ZooKeeper, KIP-896): the
 * committed offsets of a group, with leader epoch and metadata; -1 (and metadata "") where nothing
 * is committed.
 *
 * Per version: v2 null topics ask for every committed offset, and a top-level error code (before it,
 * the group's error is given per partition); v5 leader epochs; v6 flexible; v7 (KIP-447)
 * requireStable, which needs no waiting here (no transactional commits are pending); v8 (KIP-709)
 * several groups per request, each answered with its own error; v9 (KIP-848) the member id and
 * epoch of a consumer-protocol member, checked by its group.
 */
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  minVersion: 1,
  maxVersion: 9,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.fetchOffsets(request, ctx.apiVersion);
  },
});
