/**
 * DescribeGroups (key 15), versions 0-5: classic groups with their state, protocol and members
 * (client, host, assignment; the members' metadata once the group is Stable). An unknown id, or a
 * KIP-848 consumer group (described by ConsumerGroupDescribe), answers state "Dead" with no error,
 * as Kafka 4.0 does; a group coordinated elsewhere NOT_COORDINATOR.
 *
 * Per version: v3 (KIP-430) authorized operations when asked for (every operation a group supports:
 * there is no authorizer); v4 (KIP-345) each member's group.instance.id; v5 flexible.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { GROUP_OPERATIONS } from '../authorized-operations.js';

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    const response = ctx.broker.groupCoordinator.describeGroups(request, ctx.apiVersion);
    if (ctx.apiVersion < 3 || !request.includeAuthorizedOperations) return response;
    const groups = response.groups.map((g) => (g.errorCode === ErrorCode.NONE ? { ...g, authorizedOperations: GROUP_OPERATIONS } : g));
    return { ...response, groups };
  },
});
