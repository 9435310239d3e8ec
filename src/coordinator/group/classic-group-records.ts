/**
 * A classic group's record in `__consumer_offsets`: one GroupMetadataValue (key version 2) holding the
 * generation, protocol type and chosen protocol, leader, the time of the last state change, and per
 * member its identity, timeouts, metadata for the chosen protocol and assignment. It is written
 * whole whenever the group's membership or assignment is settled (Kafka's newGroupMetadataRecord)
 * and read back on loading by ClassicGroup.fromRecord (Kafka's GroupMetadataManager.replay): a
 * group with members comes back Stable in its generation, one without comes back Empty.
 */
import type { ClassicGroup } from './classic-group.js';
import { EMPTY_ASSIGNMENT } from './classic-group-member.js';
import type { CoordinatorRecord } from './coordinator-record.js';

export function groupMetadataRecord(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): CoordinatorRecord {
  const protocol = group.protocolName ?? '';
  const members = [...group.allMembers()].map((m) => ({
    memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
    rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs,
    subscription: m.metadata(protocol), assignment: assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT,
  }));
  return {
    type: 'group-metadata', groupId: group.groupId,
    value: {
      protocolType: group.protocolType(), generation: group.generationId, protocol: group.protocolName,
      leader: group.leaderId, currentStateTimestamp: group.currentStateTimestampMs(), members,
    },
  };
}
