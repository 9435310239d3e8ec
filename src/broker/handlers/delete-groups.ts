/**
 * DeleteGroups (key 42), versions 0-2 (KIP-229): deletes groups and their committed offsets. Each
 * group answers on its own: NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND if unknown,
 * NOT_COORDINATOR if coordinated elsewhere. A group named twice is answered once.
 *
 * Per version: v1 is v0; v2 flexible.
 */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.deleteGroups(request, ctx.apiVersion);
  },
});
