/**
 * The client a group member's request came from, as Kafka records it: JoinGroup and
 * ConsumerGroupHeartbeat store it on the member, and DescribeGroups / ConsumerGroupDescribe
 * report it.
 */
import type { ClientInfo } from '../../coordinator/group/group.js';
import type { RequestContext } from '../api-handler.js';

/** The client id, and the host as Java's InetAddress prints it ("/127.0.0.1"). */
export function memberClientInfo(ctx: RequestContext): ClientInfo {
  const address = ctx.clientAddress;
  const portSeparator = address.lastIndexOf(':');
  const host = portSeparator > 0 ? address.slice(0, portSeparator) : address;
  return { clientId: ctx.clientId ?? '', clientHost: `/${host}` };
}
