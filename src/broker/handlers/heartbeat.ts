/**
 * Heartbeat (key 12), versions 0-4: a classic group member keeps its session alive. The answer tells
 * it when to rejoin: REBALANCE_IN_PROGRESS during a rebalance, ILLEGAL_GENERATION for an old
 * generation, UNKNOWN_MEMBER_ID once removed, FENCED_INSTANCE_ID for a stale incarnation of a static
 * member. While the group's partition is still loading the answer is NONE, as Kafka's.
 *
 * Per version: v3 (KIP-345) group.instance.id; v4 flexible.
 */
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.heartbeat(request, ctx.apiVersion);
  },
});
