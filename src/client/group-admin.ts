/**
 * Consumer group administration, as Kafka's admin client does it: find a group's coordinator
 * (FindCoordinator, key type 0), then ask that broker to describe or delete the group, or to
 * fetch or commit its offsets. ListGroups goes to every broker and the answers are merged, since
 * each broker lists only the groups it coordinates.
 *
 * A coordinator that is still starting answers COORDINATOR_NOT_AVAILABLE (the broker creates
 * `__consumer_offsets` on first use) or COORDINATOR_LOAD_IN_PROGRESS (it is replaying the
 * partition), and one that lost the group answers NOT_COORDINATOR: those are retried a few times
 * with a growing backoff, finding the coordinator again each time. Every other error code throws
 * a KafkaResponseError naming the group (`group orders-app`) or the partition.
 *
 * Describing a group asks DescribeGroups first; a KIP-848 group is not classic, so DescribeGroups
 * reports it Dead (as for a group that does not exist), and ConsumerGroupDescribe is asked next
 * when the broker serves it. A group neither knows comes back in state Dead with no members.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  ConsumerProtocolAssignment, type ConsumerGroupDescribeResponseDescribedGroup, type DescribeGroupsResponseDescribedGroup,
  type OffsetCommitRequestOffsetCommitRequestPartition,
} from '../protocol/generated/index.js';
import { ProtocolError } from '../protocol/primitives/index.js';
import {
  CONSUMER_GROUP_DESCRIBE, DELETE_GROUPS, DESCRIBE_GROUPS, FIND_COORDINATOR, LIST_GROUPS, OFFSET_COMMIT, OFFSET_FETCH,
} from './client-api.js';
import { KafkaResponseError, UnsupportedApiError, throwIfError } from './client-errors.js';
import type { ConnectionPool } from './connection-pool.js';
import type { KafkaConnection } from './kafka-connection.js';
import { fetchMetadata } from './metadata.js';

/** FindCoordinator key types. */
export const COORDINATOR_KEY_TYPE_GROUP = 0;

/** ListGroups' and ConsumerGroupDescribe's group types (KIP-848). */
export type GroupType = 'classic' | 'consumer';

/** The protocol type consumers use; their assignments are ConsumerProtocolAssignment bytes. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export const GROUP_STATE_EMPTY = 'Empty';
export const GROUP_STATE_DEAD = 'Dead';

export interface GroupCoordinator {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface ListedGroup {
  readonly groupId: string;
  /** `consumer` for consumers, `` for a group that only holds committed offsets, or another client's protocol type. */
  readonly protocolType: string;
  /** `` when the broker's ListGroups version (before v4) does not report it. */
  readonly state: string;
  /** `` when the broker's ListGroups version (before v5) does not report it. */
  readonly type: string;
}

export interface ListGroupsFilters {
  /** Only groups in these states (Empty, Stable, ...): ListGroups v4+ (KIP-518). */
  readonly states?: readonly string[];
  /** Only groups of these types (classic, consumer): ListGroups v5+ (KIP-848). */
  readonly types?: readonly string[];
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface GroupMemberDescription {
  readonly memberId: string;
  /** The static member's group.instance.id (KIP-345), or null. */
  readonly instanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /**
   * The partitions the member owns, or null when its assignment is not the consumer protocol's
   * (another protocol type, or bytes that do not decode as one).
   */
  readonly assignment: readonly TopicPartitions[] | null;
  /** A KIP-848 member's epoch; -1 for a classic group's member. */
  readonly memberEpoch: number;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly type: GroupType;
  /** Classic: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. Consumer: Empty, Assigning, Reconciling, Stable, Dead. */
  readonly state: string;
  readonly protocolType: string;
  /** Classic: the protocol the group chose (the consumers' assignor: range, ...) while Stable, else ``. Consumer: the server assignor. */
  readonly protocol: string;
  /** A KIP-848 group's epoch; -1 for a classic group. */
  readonly groupEpoch: number;
  readonly members: readonly GroupMemberDescription[];
  readonly coordinator: GroupCoordinator;
}

const COORDINATOR_RETRIES: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR,
]);
const MAX_ATTEMPTS = 8;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

/** Runs `attempt` again after a growing pause while it throws a coordinator error that may pass. */
async function retryingCoordinatorErrors<T>(attempt: () => Promise<T>): Promise<T> {
  let backoffMs = FIRST_BACKOFF_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= MAX_ATTEMPTS || !(err instanceof KafkaResponseError) || !COORDINATOR_RETRIES.has(err.code)) throw err;
    }
    await sleep(backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }
}

/** The broker coordinating `groupId`, asked of `connection` (any broker); retries while no coordinator is ready. */
export function findCoordinator(connection: KafkaConnection, groupId: string): Promise<GroupCoordinator> {
  return retryingCoordinatorErrors(() => askCoordinator(connection, groupId));
}

async function askCoordinator(connection: KafkaConnection, groupId: string): Promise<GroupCoordinator> {
  const version = connection.versionFor(FIND_COORDINATOR);
  // v4 (KIP-699) asks about a batch of keys; earlier versions about one.
  const isBatched = version >= 4;
  const response = await connection.request(FIND_COORDINATOR, version, {
    key: isBatched ? '' : groupId,
    keyType: COORDINATOR_KEY_TYPE_GROUP,
    coordinatorKeys: isBatched ? [groupId] : [],
  });
  const answer = isBatched ? response.coordinators.find((c) => c.key === groupId) : response;
  if (!answer) throw new KafkaResponseError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `group ${groupId}`, 'FindCoordinator did not answer for the group');
  throwIfError(answer.errorCode, `group ${groupId}`, answer.errorMessage);
  return { nodeId: answer.nodeId, host: answer.host, port: answer.port };
}

/**
 * Runs `body` against the coordinator of `groupId`; when it throws a coordinator error that may
 * pass, finds the coordinator again and repeats.
 */
export function withGroupCoordinator<T>(
  pool: ConnectionPool, groupId: string, body: (connection: KafkaConnection, coordinator: GroupCoordinator) => Promise<T>,
): Promise<T> {
  return retryingCoordinatorErrors(async () => {
    const coordinator = await askCoordinator(pool.bootstrap, groupId);
    const metadata = await fetchMetadata(pool.bootstrap, []);
    return body(await pool.connectionTo(coordinator.nodeId, metadata), coordinator);
  });
}

/** Every group of the cluster, sorted by id: ListGroups asked of each broker. */
export async function listGroups(pool: ConnectionPool, filters: ListGroupsFilters = {}): Promise<ListedGroup[]> {
  const metadata = await fetchMetadata(pool.bootstrap, []);
  const answers = await Promise.all(metadata.brokers.map(async (broker) => {
    const connection = await pool.connectionTo(broker.nodeId, metadata);
    return retryingCoordinatorErrors(() => listGroupsOf(connection, filters));
  }));
  const byId = new Map<string, ListedGroup>();
  for (const groups of answers) for (const g of groups) byId.set(g.groupId, g);
  return [...byId.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
}

async function listGroupsOf(connection: KafkaConnection, filters: ListGroupsFilters): Promise<ListedGroup[]> {
  const version = connection.versionFor(LIST_GROUPS);
  const states = filters.states ?? [];
  const types = filters.types ?? [];
  // As Kafka's admin client: a filter the broker's version cannot apply is refused, not ignored.
  const unfiltered = states.length > 0 && version < 4 ? 'state (v4+)' : types.length > 0 && version < 5 ? 'type (v5+)' : null;
  if (unfiltered !== null) {
    throw new UnsupportedApiError('ListGroups', `the broker at ${connection.address} serves ListGroups up to v${version}, which cannot filter by ${unfiltered}`);
  }
  const response = await connection.request(LIST_GROUPS, version, { statesFilter: [...states], typesFilter: [...types] });
  throwIfError(response.errorCode, `ListGroups at ${connection.address}`);
  return response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType }));
}

/** Describes each group, in the order given. */
export function describeGroups(pool: ConnectionPool, groupIds: readonly string[]): Promise<GroupDescription[]> {
  return Promise.all(groupIds.map((groupId) => withGroupCoordinator(pool, groupId, (connection, coordinator) => describeGroup(connection, coordinator, groupId))));
}

async function describeGroup(connection: KafkaConnection, coordinator: GroupCoordinator, groupId: string): Promise<GroupDescription> {
  const response = await connection.send(DESCRIBE_GROUPS, { groups: [groupId], includeAuthorizedOperations: false });
  const classic = response.groups.find((g) => g.groupId === groupId);
  if (classic && classic.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) {
    throwIfError(classic.errorCode, `group ${groupId}`);
    if (classic.groupState !== GROUP_STATE_DEAD) return classicDescription(classic, coordinator);
  }
  if (connection.supports(CONSUMER_GROUP_DESCRIBE)) {
    const answer = await connection.send(CONSUMER_GROUP_DESCRIBE, { groupIds: [groupId], includeAuthorizedOperations: false });
    const consumer = answer.groups.find((g) => g.groupId === groupId);
    if (consumer && consumer.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) {
      throwIfError(consumer.errorCode, `group ${groupId}`, consumer.errorMessage);
      return consumerDescription(consumer, coordinator);
    }
  }
  return {
    groupId, type: 'classic', state: GROUP_STATE_DEAD, protocolType: '', protocol: '', groupEpoch: -1, members: [], coordinator,
  };
}

function classicDescription(group: DescribeGroupsResponseDescribedGroup, coordinator: GroupCoordinator): GroupDescription {
  const isConsumer = group.protocolType === CONSUMER_PROTOCOL_TYPE;
  return {
    groupId: group.groupId,
    type: 'classic',
    state: group.groupState,
    protocolType: group.protocolType,
    protocol: group.protocolData,
    groupEpoch: -1,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: isConsumer ? decodeConsumerAssignment(m.memberAssignment) : null,
      memberEpoch: -1,
    })),
    coordinator,
  };
}

function consumerDescription(group: ConsumerGroupDescribeResponseDescribedGroup, coordinator: GroupCoordinator): GroupDescription {
  return {
    groupId: group.groupId,
    type: 'consumer',
    state: group.groupState,
    protocolType: CONSUMER_PROTOCOL_TYPE,
    protocol: group.assignorName,
    groupEpoch: group.groupEpoch,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: sortedAssignment(m.assignment.topicPartitions.map((t) => ({ topic: t.topicName, partitions: t.partitions }))),
      memberEpoch: m.memberEpoch,
    })),
    coordinator,
  };
}

/**
 * A classic consumer's assignment: a 2-byte version, then ConsumerProtocolAssignment. A newer
 * version than the codec knows is read as the newest it knows, as Kafka's ConsumerProtocol does
 * (versions only add fields at the end). Empty bytes (a member between rebalances) own nothing;
 * bytes that do not decode give null.
 */
export function decodeConsumerAssignment(bytes: Buffer): TopicPartitions[] | null {
  if (bytes.length === 0) return [];
  if (bytes.length < 2) return null;
  const version = bytes.readInt16BE(0);
  if (version < 0) return null;
  try {
    const assignment = ConsumerProtocolAssignment.decode(bytes.subarray(2), Math.min(version, ConsumerProtocolAssignment.highestVersion));
    return sortedAssignment(assignment.assignedPartitions);
  } catch (err) {
    if (err instanceof ProtocolError) return null;
    throw err;
  }
}

function sortedAssignment(topics: readonly TopicPartitions[]): TopicPartitions[] {
  return topics
    .map((t) => ({ topic: t.topic, partitions: [...t.partitions].sort((a, b) => a - b) }))
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

/**
 * Deletes each group with its committed offsets (DeleteGroups, asked of each group's
 * coordinator). Every group is tried; then the first refusal is thrown: NON_EMPTY_GROUP while
 * members remain, GROUP_ID_NOT_FOUND for a group that does not exist.
 */
export async function deleteGroups(pool: ConnectionPool, groupIds: readonly string[]): Promise<void> {
  const outcomes = await Promise.allSettled(groupIds.map((groupId) => withGroupCoordinator(pool, groupId, async (connection) => {
    const response = await connection.send(DELETE_GROUPS, { groupsNames: [groupId] });
    const result = response.results.find((r) => r.groupId === groupId);
    throwIfError(result ? result.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR, `group ${groupId}`);
  })));
  const refused = outcomes.find((o) => o.status === 'rejected');
  if (refused) throw refused.reason;
}

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The leader epoch the committer gave, -1 when none (OffsetFetch v5+ reports it). */
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch?: number;
  readonly metadata?: string;
}

interface FetchedTopic {
  readonly name: string;
  readonly partitions: readonly { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[];
}

/**
 * The group's committed offsets, sorted by topic and partition: of `topics`, or of every topic
 * when null. Partitions without a committed offset are left out; a group that does not exist
 * has none.
 */
export function fetchOffsets(pool: ConnectionPool, groupId: string, topics: readonly TopicPartitions[] | null = null): Promise<CommittedOffset[]> {
  return withGroupCoordinator(pool, groupId, (connection) => fetchOffsetsFrom(connection, groupId, topics));
}

async function fetchOffsetsFrom(connection: KafkaConnection, groupId: string, topics: readonly TopicPartitions[] | null): Promise<CommittedOffset[]> {
  const version = connection.versionFor(OFFSET_FETCH);
  const asked = topics === null ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: [...t.partitions] }));
  // v8 (KIP-709) batches groups: the group, its topics and its error code move into `groups`.
  if (version >= 8) {
    const response = await connection.request(OFFSET_FETCH, version, {
      groupId: '', topics: [], requireStable: false, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: asked }],
    });
    const group = response.groups.find((g) => g.groupId === groupId);
    if (!group) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `group ${groupId}`, 'OffsetFetch did not answer for the group');
    throwIfError(group.errorCode, `group ${groupId}`);
    return committedOffsets(groupId, group.topics);
  }
  const response = await connection.request(OFFSET_FETCH, version, { groupId, topics: asked, groups: [], requireStable: false });
  throwIfError(response.errorCode, `group ${groupId}`);
  return committedOffsets(groupId, response.topics);
}

function committedOffsets(groupId: string, topics: readonly FetchedTopic[]): CommittedOffset[] {
  const offsets: CommittedOffset[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      throwIfError(p.errorCode, `group ${groupId}, partition ${t.name}-${p.partitionIndex}`);
      if (p.committedOffset < 0) continue;
      offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata });
    }
  }
  return offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * Commits `offsets` for the group from outside it: generation -1 and no member id, which the
 * coordinator accepts only while the group has no members (it answers UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS or STALE_MEMBER_EPOCH otherwise). Throws the first
 * partition the coordinator refused.
 */
export function commitOffsets(pool: ConnectionPool, groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
  return withGroupCoordinator(pool, groupId, async (connection) => {
    const version = connection.versionFor(OFFSET_COMMIT);
    const byTopic = new Map<string, OffsetCommitRequestOffsetCommitRequestPartition[]>();
    for (const o of offsets) {
      let partitions = byTopic.get(o.topic);
      if (!partitions) byTopic.set(o.topic, partitions = []);
      partitions.push({
        partitionIndex: o.partition,
        committedOffset: o.offset,
        // v6 added the leader epoch (KIP-320).
        committedLeaderEpoch: version >= 6 ? o.leaderEpoch ?? -1 : -1,
        commitTimestamp: -1,
        committedMetadata: o.metadata ?? '',
      });
    }
    const response = await connection.request(OFFSET_COMMIT, version, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    });
    for (const t of response.topics) {
      for (const p of t.partitions) throwIfError(p.errorCode, `group ${groupId}, partition ${t.name}-${p.partitionIndex}`);
    }
  });
}
