/**
 * JoinGroup (key 11), versions 0-9: a member joins a classic group, or rejoins it for a rebalance.
 * The GroupCoordinator parks the request until the group's join phase ends, then answers every
 * member with the new generation; the leader's answer lists the members and their metadata, from
 * which it computes the assignment it sends in SyncGroup.
 *
 * Per version: v0 has no rebalance timeout (the session timeout serves); v1 adds it; v4 (KIP-394) a
 * new dynamic member first gets MEMBER_ID_REQUIRED with its id and must rejoin with it; v5
 * (KIP-345) static membership through group.instance.id; v6 flexible; v7 (KIP-559) the protocol
 * type in the answer and a nullable protocol name; v8 (KIP-800) a reason; v9 (KIP-814) tells a
 * rejoining static leader to skip the assignment. Kafka 4.0 still serves v0-1 (KIP-896 kept them
 * for librdkafka).
 */
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { memberClientInfo } from './member-client-info.js';

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, request) {
    return ctx.broker.groupCoordinator.joinGroup(memberClientInfo(ctx), request, ctx.apiVersion);
  },
});
