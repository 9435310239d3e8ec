/**
 * ConsumerGroupHeartbeat (key 68), versions 0-1: the one call of KIP-848's consumer protocol. A
 * member joins (epoch 0), keeps its session, reports the partitions it owns and receives its
 * assignment, computed by the coordinator's server-side assignor (`uniform` or `range`), and leaves
 * (epoch -1, or -2 for a static member stepping away). The GroupCoordinator holds the groups; this
 * handler checks that the protocol is enabled and passes the request on.
 *
 * With `consumer` missing from `group.coordinator.rebalance.protocols` the answer is
 * UNSUPPORTED_VERSION, as Kafka's KafkaApis answers when the protocol is off.
 *
 * Per version: v1 (KIP-1082) requires the client to generate its member id, so an empty one is
 * INVALID_REQUEST even when joining; v0 members join with an empty id and get one from the
 * coordinator. v1 adds SubscribedTopicRegex: the coordinator matches it against the topic names
 * (INVALID_REGULAR_EXPRESSION for a pattern RE2J would refuse); an empty one means no regex.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse, defaultConsumerGroupHeartbeatResponse,
} from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { memberClientInfo } from './member-client-info.js';

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>({
  apiKey: 68,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    if (!ctx.broker.config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
      return { ...defaultConsumerGroupHeartbeatResponse(), errorCode: ErrorCode.UNSUPPORTED_VERSION };
    }
    return ctx.broker.groupCoordinator.consumerGroupHeartbeat(memberClientInfo(ctx), request, ctx.apiVersion);
  },
});
