/**
 * What one ConsumerGroupHeartbeat does to a consumer group, as Kafka 4.0's GroupMetadataManager
 * decides it, worked out without changing anything: the records to write and the response to send
 * once they are written. The manager writes them, then applies them by replay.
 *
 * A regular heartbeat (epoch ≥ 0), in Kafka's three steps:
 * 1. The member is created or updated from the request (null fields mean unchanged). A changed member
 *    is written (ConsumerGroupMemberMetadata). A changed subscription, changed subscribed topics'
 *    partition counts (ConsumerGroupPartitionMetadata) or a new group bump the group epoch
 *    (ConsumerGroupMetadata).
 * 2. If the group epoch is ahead of the target assignment epoch, the assignor computes a new target
 *    (target-assignment-builder.ts).
 * 3. The member moves one step towards its target (current-assignment-builder.ts); a change is written
 *    (ConsumerGroupCurrentMemberAssignment).
 * The response carries the assignment on a full request (a join, or every optional field set) or
 * when the member's assigned partitions changed; null otherwise.
 *
 * A leave (epoch -1) removes the member (tombstones) and bumps the group epoch; a static member's
 * temporary leave (epoch -2) only marks it away, keeping its partitions for its return.
 *
 * Regex subscriptions are matched against the topics on every heartbeat rather than resolved in the
 * background as Kafka does (it has no ConsumerGroupRegularExpression records here): a topic that
 * starts or stops matching changes the subscription metadata, which bumps the group epoch.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse, defaultConsumerGroupHeartbeatResponse,
} from '../../protocol/generated/index.js';
import { EMPTY_ASSIGNMENT, type PartitionAssignor, assignmentToTopicPartitions, assignmentsEqual } from './assignors/partition-assignor.js';
import { ConsumerGroup, type SubscriptionMetadata, type TopicMetadata } from './consumer-group.js';
import {
  type ConsumerGroupMember, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, currentAssignmentRecord,
  hasAssignmentStateChanged, hasMetadataChanged, hasSubscriptionChanged, isReconciledTo, memberMetadataRecord,
  memberTombstones, newConsumerGroupMember,
} from './consumer-group-member.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import { type OwnedTopicPartitions, reconcileMember } from './current-assignment-builder.js';
import type { ClientInfo, Group, GroupCoordinatorConfig, TopicMetadataSource } from './group.js';
import { compileTopicRegex, hasRegex, resolveTopicRegex } from './subscription-regex.js';
import { buildTargetAssignment } from './target-assignment-builder.js';

/** ConsumerGroupHeartbeat v1 (KIP-1082): the client generates its member id. */
const CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION = 1;

export interface HeartbeatPlanContext {
  readonly config: GroupCoordinatorConfig;
  readonly topics: TopicMetadataSource;
  readonly groups: ReadonlyMap<string, Group>;
  /** The configured assignors, in `group.consumer.assignors` order (the first is the default). */
  readonly assignors: ReadonlyMap<string, PartitionAssignor>;
  readonly clock: () => number;
}

export interface HeartbeatPlan {
  readonly records: CoordinatorRecord[];
  readonly response: ConsumerGroupHeartbeatResponse;
  /** The member whose session this heartbeat renews once the records are applied, or null. */
  readonly renewedMemberId: string | null;
}

/** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid (checked before the group is looked at). */
export function validateHeartbeatRequest(
  request: ConsumerGroupHeartbeatRequest,
  apiVersion: number,
  assignorNames: readonly string[],
  canResolveRegex: boolean,
): void {
  const epoch = request.memberEpoch;
  if (apiVersion >= CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION || epoch > 0 || epoch === LEAVE_GROUP_MEMBER_EPOCH) {
    throwIfBlank(request.memberId, "MemberId can't be empty.");
  }
  throwIfBlank(request.groupId, "GroupId can't be empty.");
  throwIfBlank(request.instanceId, "InstanceId can't be empty.");
  throwIfBlank(request.rackId, "RackId can't be empty.");
  if (epoch === 0) {
    if (request.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
    if (request.topicPartitions === null || request.topicPartitions.length > 0) {
      throw invalid('TopicPartitions must be empty when (re-)joining.');
    }
    // An empty list of names or an empty regex is accepted: a member of the group subscribed to nothing.
    if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) {
      throw invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
    }
  } else if (epoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (request.instanceId === null) throw invalid("InstanceId can't be null.");
  } else if (epoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    throw invalid('MemberEpoch is invalid.');
  }
  if (request.serverAssignor !== null && !assignorNames.includes(request.serverAssignor)) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_ASSIGNOR,
      `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: ${assignorNames.join(', ')}.`);
  }
  if (hasRegex(request.subscribedTopicRegex)) {
    // Without the list of topics there is nothing to match against; answered as Kafka 3.x answered.
    if (!canResolveRegex) throw invalid('SubscribedTopicRegex is not supported yet.');
    compileTopicRegex(request.subscribedTopicRegex);
  }
}

/** Matches regexes against the topics as they are now, each regex once per operation. */
export function regexResolver(topics: TopicMetadataSource): (regex: string) => readonly string[] {
  const resolved = new Map<string, readonly string[]>();
  return (regex) => {
    let names = resolved.get(regex);
    if (names === undefined) {
      try {
        names = topics.topicNames === undefined ? [] : resolveTopicRegex(regex, topics.topicNames());
      } catch {
        // A stored pattern this broker cannot compile (written by one that could) matches nothing.
        names = [];
      }
      resolved.set(regex, names);
    }
    return names;
  };
}

/** The topic ids a member subscribes to, by name or by its regex, as the topics are now. */
function subscribedTopicIdsOf(member: ConsumerGroupMember, topics: TopicMetadataSource, resolveRegex: (regex: string) => readonly string[]): (topicId: string) => boolean {
  const names = hasRegex(member.subscribedTopicRegex) ? [...member.subscribedTopicNames, ...resolveRegex(member.subscribedTopicRegex)] : member.subscribedTopicNames;
  const ids = new Set(names.flatMap((name) => topics.topic(name)?.topicId ?? []));
  return (topicId) => ids.has(topicId);
}

function throwIfBlank(value: string | null, message: string): void {
  if (value !== null && value.trim() === '') throw invalid(message);
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, message);
}

/** The consumer group of this id; a non-consumer group answers as one that does not exist. */
export function existingConsumerGroup(groups: ReadonlyMap<string, Group>, groupId: string): ConsumerGroup {
  const group = groups.get(groupId);
  if (group === undefined) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
  if (!(group instanceof ConsumerGroup)) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
  return group;
}

/**
 * The group a heartbeat works on. A join may create it, not yet in the map (replay adds it), or
 * replace an empty classic group, whose tombstones go first (Kafka's maybeDeleteEmptyClassicGroup).
 * A classic group with members would need Kafka's online upgrade, which this broker does not do.
 */
function consumerGroupForHeartbeat(ctx: HeartbeatPlanContext, groupId: string, isJoin: boolean, records: CoordinatorRecord[]): ConsumerGroup {
  const group = ctx.groups.get(groupId);
  if (!isJoin || group instanceof ConsumerGroup) return existingConsumerGroup(ctx.groups, groupId);
  if (group === undefined) return new ConsumerGroup(groupId, ctx.clock);
  if (group.isEmpty()) {
    records.push(...group.tombstoneRecords());
    return new ConsumerGroup(groupId, ctx.clock);
  }
  throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
}

export function planHeartbeat(ctx: HeartbeatPlanContext, client: ClientInfo, request: ConsumerGroupHeartbeatRequest): HeartbeatPlan {
  const records: CoordinatorRecord[] = [];
  const isJoin = request.memberEpoch === 0;
  const owned: OwnedTopicPartitions = request.topicPartitions;
  const group = consumerGroupForHeartbeat(ctx, request.groupId, isJoin, records);
  throwIfGroupIsFull(ctx.config, group, request.memberId);
  const memberId = request.memberId === '' ? generateMemberId() : request.memberId;
  const member = request.instanceId === null
    ? dynamicMember(group, memberId, request.memberEpoch, owned, isJoin)
    : staticMember(group, memberId, request.memberEpoch, request.instanceId, owned, isJoin, records);

  // 1. The member, the subscription metadata and the group epoch.
  let updated: ConsumerGroupMember = {
    ...member,
    instanceId: request.instanceId ?? member.instanceId,
    rackId: request.rackId ?? member.rackId,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : request.rebalanceTimeoutMs,
    serverAssignor: request.serverAssignor ?? member.serverAssignor,
    subscribedTopicNames: request.subscribedTopicNames ?? member.subscribedTopicNames,
    subscribedTopicRegex: request.subscribedTopicRegex ?? member.subscribedTopicRegex,
    clientId: client.clientId,
    clientHost: client.clientHost,
  };
  // A new group must move away from epoch 0 (Kafka does the same).
  let bumpGroupEpoch = group.groupEpoch === 0;
  if (hasMetadataChanged(member, updated)) {
    records.push(memberMetadataRecord(group.groupId, updated));
    if (hasSubscriptionChanged(member, updated)) bumpGroupEpoch = true;
  }
  const resolveRegex = regexResolver(ctx.topics);
  // `member` is in the group's counts under its id, or, for a static member taking over, under the
  // replaced member's id with the same subscription: either way the difference is right.
  const subscribedTopicNames = group.computeSubscribedTopicNames(member, updated, resolveRegex);
  const subscriptionMetadata = computeSubscriptionMetadata(ctx.topics, subscribedTopicNames);
  if (!sameSubscriptionMetadata(subscriptionMetadata, group.subscriptionMetadata)) {
    bumpGroupEpoch = true;
    records.push(subscriptionMetadataRecord(group.groupId, subscriptionMetadata));
  }
  let groupEpoch = group.groupEpoch;
  if (bumpGroupEpoch) {
    groupEpoch++;
    records.push({ type: 'consumer-group-metadata', groupId: group.groupId, value: { epoch: groupEpoch } });
  }

  // 2. The target assignment.
  let targetAssignmentEpoch = group.targetAssignmentEpoch;
  let target = group.targetAssignmentOf(updated.memberId, updated.instanceId);
  if (groupEpoch > group.targetAssignmentEpoch) {
    const assignorName = group.computePreferredServerAssignor(member, updated, ctx.config.consumerGroupAssignors)
      ?? ctx.config.consumerGroupAssignors[0]!;
    const result = buildTargetAssignment({
      group, groupEpoch, assignor: ctx.assignors.get(assignorName)!, updatedMember: updated, subscriptionMetadata, resolveRegex,
    });
    records.push(...result.records);
    target = result.memberTarget;
    targetAssignmentEpoch = groupEpoch;
  }

  // 3. The member's step towards its target.
  if (!isReconciledTo(updated, targetAssignmentEpoch)) {
    const reconciled = reconcileMember(updated, {
      targetAssignmentEpoch,
      targetAssignment: target,
      currentPartitionEpoch: (topicId, p) => group.currentPartitionEpoch(topicId, p),
      ownedTopicPartitions: owned,
      isSubscribedTo: subscribedTopicIdsOf(updated, ctx.topics, resolveRegex),
    });
    if (hasAssignmentStateChanged(updated, reconciled)) records.push(currentAssignmentRecord(group.groupId, reconciled));
    updated = reconciled;
  }

  const hasSubscription = request.subscribedTopicNames !== null || request.subscribedTopicRegex !== null;
  const isFullRequest = isJoin || (request.rebalanceTimeoutMs !== -1 && hasSubscription && owned !== null);
  const response: ConsumerGroupHeartbeatResponse = {
    ...defaultConsumerGroupHeartbeatResponse(),
    memberId: updated.memberId,
    memberEpoch: updated.memberEpoch,
    heartbeatIntervalMs: ctx.config.consumerGroupHeartbeatIntervalMs,
    assignment: isFullRequest || !assignmentsEqual(member.assignedPartitions, updated.assignedPartitions)
      ? { topicPartitions: assignmentToTopicPartitions(updated.assignedPartitions) }
      : null,
  };
  return { records, response, renewedMemberId: updated.memberId };
}

function throwIfGroupIsFull(config: GroupCoordinatorConfig, group: ConsumerGroup, memberId: string): void {
  if (group.members.size >= config.consumerGroupMaxSize && (memberId === '' || group.member(memberId) === undefined)) {
    throw new KafkaError(ErrorCode.GROUP_MAX_SIZE_REACHED,
      `The consumer group has reached its maximum capacity of ${config.consumerGroupMaxSize} members.`);
  }
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, base64url without padding. */
function generateMemberId(): string {
  return randomBytes(16).toString('base64url');
}

function dynamicMember(group: ConsumerGroup, memberId: string, epoch: number, owned: OwnedTopicPartitions, isJoin: boolean): ConsumerGroupMember {
  const member = group.member(memberId);
  if (member === undefined) {
    if (!isJoin) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
    return newConsumerGroupMember(memberId);
  }
  throwIfMemberEpochIsInvalid(member, epoch, owned);
  return member;
}

function staticMember(
  group: ConsumerGroup, memberId: string, epoch: number, instanceId: string, owned: OwnedTopicPartitions, isJoin: boolean,
  records: CoordinatorRecord[],
): ConsumerGroupMember {
  const existing = group.staticMember(instanceId);
  if (isJoin) {
    if (existing === undefined) return group.member(memberId) ?? newConsumerGroupMember(memberId);
    // The instance id is free again only once its member left with epoch -2 (KIP-345 in KIP-848).
    if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      throw new KafkaError(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} `
        + `cannot join the group because the instance id is owned by ${existing.memberId} member.`);
    }
    // The new member takes over the old one: its subscription, its assignment, its target.
    const replacement: ConsumerGroupMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
    records.push(...memberTombstones(group.groupId, existing.memberId));
    records.push(memberMetadataRecord(group.groupId, replacement));
    records.push({
      type: 'consumer-group-target-assignment-member', groupId: group.groupId, memberId,
      value: { topicPartitions: assignmentToTopicPartitions(group.targetAssignment(existing.memberId)) },
    });
    records.push(currentAssignmentRecord(group.groupId, replacement));
    return replacement;
  }
  if (existing === undefined) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
  if (existing.memberId !== memberId) {
    throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID,
      `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
  }
  throwIfMemberEpochIsInvalid(existing, epoch, owned);
  return existing;
}

/**
 * The epoch must be the member's, or its previous one with owned partitions within its assignment
 * (the response that bumped it may have been lost). Epoch 0 is a rejoin after being fenced, which
 * KIP-848 allows (KAFKA-19233).
 */
function throwIfMemberEpochIsInvalid(member: ConsumerGroupMember, received: number, owned: OwnedTopicPartitions): void {
  if (received === 0 || received === member.memberEpoch) return;
  if (received < member.memberEpoch && received === member.previousMemberEpoch && isSubsetOf(owned, member)) return;
  const relation = received > member.memberEpoch ? 'greater' : 'smaller';
  throw new KafkaError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a ${relation} member epoch (${received}) `
    + `than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
}

function isSubsetOf(owned: OwnedTopicPartitions, member: ConsumerGroupMember): boolean {
  if (owned === null) return false;
  return owned.every(({ topicId, partitions }) => {
    const assigned = member.assignedPartitions.get(topicId);
    return assigned !== undefined && partitions.every((p) => assigned.has(p));
  });
}

export function planLeave(ctx: HeartbeatPlanContext, request: ConsumerGroupHeartbeatRequest): HeartbeatPlan {
  const group = existingConsumerGroup(ctx.groups, request.groupId);
  const left = (records: CoordinatorRecord[], memberEpoch: number): HeartbeatPlan => ({
    records,
    response: { ...defaultConsumerGroupHeartbeatResponse(), memberId: request.memberId, memberEpoch },
    renewedMemberId: null,
  });
  if (request.instanceId === null) {
    const member = group.member(request.memberId);
    if (member === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${group.groupId}.`);
    }
    return left(fenceMemberRecords(ctx.topics, group, member), request.memberEpoch);
  }
  const member = group.staticMember(request.instanceId);
  if (member === undefined) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${request.instanceId} is unknown.`);
  if (member.memberId !== request.memberId) {
    throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID,
      `Static member ${request.memberId} with instance id ${request.instanceId} was fenced by member ${member.memberId}.`);
  }
  if (request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) return left(fenceMemberRecords(ctx.topics, group, member), request.memberEpoch);
  // Away for now: it keeps its partitions (nobody else gets them) until it returns or its session ends.
  const away: ConsumerGroupMember = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: EMPTY_ASSIGNMENT };
  return left([currentAssignmentRecord(group.groupId, away)], LEAVE_GROUP_STATIC_MEMBER_EPOCH);
}

/** Kafka's consumerGroupFenceMember: the member's tombstones, the subscription without it, a new group epoch. */
export function fenceMemberRecords(topics: TopicMetadataSource, group: ConsumerGroup, member: ConsumerGroupMember): CoordinatorRecord[] {
  const records = memberTombstones(group.groupId, member.memberId);
  const subscriptionMetadata = computeSubscriptionMetadata(topics, group.computeSubscribedTopicNames(member, undefined, regexResolver(topics)));
  if (!sameSubscriptionMetadata(subscriptionMetadata, group.subscriptionMetadata)) {
    records.push(subscriptionMetadataRecord(group.groupId, subscriptionMetadata));
  }
  records.push({ type: 'consumer-group-metadata', groupId: group.groupId, value: { epoch: group.groupEpoch + 1 } });
  return records;
}

function subscriptionMetadataRecord(groupId: string, metadata: SubscriptionMetadata): CoordinatorRecord {
  const topics = [...metadata.values()].sort((a, b) => (a.topicName < b.topicName ? -1 : 1)).map((t) => ({
    topicId: t.topicId, topicName: t.topicName, numPartitions: t.partitionCount, partitionMetadata: [],
  }));
  return { type: 'consumer-group-partition-metadata', groupId, value: { topics } };
}

/** The subscribed topics that exist, with their ids and partition counts now. */
export function computeSubscriptionMetadata(topics: TopicMetadataSource, subscribedTopicNames: ReadonlyMap<string, number>): Map<string, TopicMetadata> {
  const metadata = new Map<string, TopicMetadata>();
  for (const topicName of subscribedTopicNames.keys()) {
    const topic = topics.topic(topicName);
    if (topic !== undefined) metadata.set(topicName, { topicId: topic.topicId, topicName, partitionCount: topic.partitionCount });
  }
  return metadata;
}

function sameSubscriptionMetadata(a: SubscriptionMetadata, b: SubscriptionMetadata): boolean {
  if (a.size !== b.size) return false;
  for (const [name, topic] of a) {
    const other = b.get(name);
    if (other === undefined || other.topicId !== topic.topicId || other.partitionCount !== topic.partitionCount) return false;
  }
  return true;
}
