/**
 * ConsumerGroupDescribe (key 69), version 0: KIP-848 consumer groups as the coordinator holds them —
 * state (Empty, Assigning, Reconciling, Stable), group epoch, target assignment epoch, the assignor
 * in use, and per member its epoch, client, subscription, current and target assignment (topic ids
 * with names). Each group answers on its own: GROUP_ID_NOT_FOUND for an unknown id or a classic
 * group, INVALID_GROUP_ID for an empty one, NOT_COORDINATOR for one held elsewhere. Authorized
 * operations (KIP-430) are filled when asked for.
 *
 * With `consumer` missing from `group.coordinator.rebalance.protocols` every group answers
 * UNSUPPORTED_VERSION, as Kafka's KafkaApis does when the protocol is off.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponse, defaultConsumerGroupDescribeResponse,
  defaultConsumerGroupDescribeResponseDescribedGroup,
} from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>({
  apiKey: 69,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    if (!ctx.broker.config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
      return {
        ...defaultConsumerGroupDescribeResponse(),
        groups: request.groupIds.map((groupId) => ({
          ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId, errorCode: ErrorCode.UNSUPPORTED_VERSION,
        })),
      };
    }
    return ctx.broker.groupCoordinator.consumerGroupDescribe(request, ctx.apiVersion);
  },
});
