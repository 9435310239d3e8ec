/**
 * ListGroups (key 16), versions 0-5: every group this broker coordinates, of both types (classic and
 * KIP-848 consumer groups), with its protocol type ("" for a group that only holds offsets). Without
 * an authorizer every group is listed, as Kafka lists them for a client with Describe on the cluster.
 *
 * Per version: v3 flexible; v4 (KIP-518) a states filter and each group's state; v5 (KIP-848) a types
 * filter and each group's type ("classic", "consumer"). Filters match case-insensitively; one naming
 * no known state or type matches nothing.
 */
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.listGroups(request, ctx.apiVersion);
  },
});
