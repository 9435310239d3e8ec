/**
 * LeaveGroup (key 13), versions 0-5: members leave a classic group at once instead of waiting out
 * their session, and the group rebalances without them.
 *
 * Per version: v0-2 name one member by id and answer one error code; v3 (KIP-345) a batch of
 * members, each by member id or (admin removal) by group.instance.id alone, answered per member;
 * v4 flexible; v5 (KIP-800) a reason per member.
 */
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.leaveGroup(request, ctx.apiVersion);
  },
});
