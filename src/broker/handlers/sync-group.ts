/**
 * SyncGroup (key 14), versions 0-5: after a JoinGroup, each member of a classic group asks for its
 * assignment; the leader brings the assignment of every member. Members wait until the leader's
 * assignment has been written to `__consumer_offsets`; then all are answered and the group is
 * Stable. REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID send a member back to
 * JoinGroup.
 *
 * Per version: v3 (KIP-345) group.instance.id; v4 flexible; v5 (KIP-559) the protocol type and name
 * are mandatory, must match the group's (else INCONSISTENT_GROUP_PROTOCOL), and come back in the
 * answer.
 */
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.syncGroup(request, ctx.apiVersion);
  },
});
