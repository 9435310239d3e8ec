/**
 * Group: what the coordinator's shared parts (offsets, ListGroups, DeleteGroups, expiration) need
 * from a group of either protocol. A group id names one group of one type: a classic group
 * (JoinGroup/SyncGroup, ClassicGroup) or a consumer group (KIP-848 ConsumerGroupHeartbeat,
 * ConsumerGroup). Validation methods throw KafkaError with the code Kafka answers.
 */
import type { CoordinatorRecord } from './coordinator-record.js';

export type GroupType = 'classic' | 'consumer';

export interface Group {
  readonly type: GroupType;
  readonly groupId: string;
  /**
   * Kafka's state name as ListGroups and DescribeGroups report it. Classic: Empty,
   * PreparingRebalance, CompletingRebalance, Stable, Dead. Consumer: Empty, Assigning,
   * Reconciling, Stable, Dead.
   */
  stateName(): string;
  /** ListGroups' protocol type: a classic group's (usually "consumer", "" for offset-only groups), "consumer" for a consumer group. */
  protocolType(): string;
  isEmpty(): boolean;
  /** When the group last changed state (ms since the epoch); offsets of an empty group expire counted from it. */
  currentStateTimestampMs(): number;

  /**
   * May this member commit? `generationIdOrMemberEpoch` is the classic generation or the KIP-848
   * member epoch; -1 with an empty member id is a commit from outside the group (admin tools,
   * assign-mode consumers), allowed only while the group is empty. Throws UNKNOWN_MEMBER_ID,
   * ILLEGAL_GENERATION, STALE_MEMBER_EPOCH, FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS, ...
   */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationIdOrMemberEpoch: number, isTransactional: boolean, apiVersion: number): void;
  /** OffsetFetch v9+ carries the member id and epoch (KIP-848); null/-1 means not given. Throws UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH. */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): void;
  /** OffsetDelete: throws GROUP_ID_NOT_FOUND for a group that is not a consumer of offsets (e.g. a classic group of another protocol type). */
  validateOffsetDelete(): void;
  /** DeleteGroups: throws NON_EMPTY_GROUP while members remain. */
  validateDeleteGroup(): void;
  /** Does a member subscribe to this topic? OffsetDelete answers GROUP_SUBSCRIBED_TO_TOPIC for such a topic. */
  isSubscribedToTopic(topic: string): boolean;
  /** The tombstones that delete this group's own state (not its offsets) from `__consumer_offsets`. */
  tombstoneRecords(): CoordinatorRecord[];
}

/** What the coordinator needs of the cluster's topics (KIP-848 assignments are by topic id). */
/** The client a request came from, as Kafka records it on a member. */
export interface ClientInfo {
  readonly clientId: string;
  /** The host as Java's InetAddress prints it ("/127.0.0.1"). */
  readonly clientHost: string;
}

export interface TopicMetadataSource {
  /** Topic id (base64url) and partition count, or undefined if the topic does not exist. */
  topic(name: string): { readonly topicId: string; readonly partitionCount: number } | undefined;
  /** Name of the topic with this id, or undefined. */
  topicName(topicId: string): string | undefined;
  /**
   * Names of every topic, which KIP-848 regex subscriptions (SubscribedTopicRegex) are matched
   * against. Without it, a regex subscription is refused with INVALID_REQUEST.
   */
  topicNames?(): Iterable<string>;
}

/** The group coordinator's broker settings, Kafka's names in the comments. */
export interface GroupCoordinatorConfig {
  /** `group.initial.rebalance.delay.ms` (3000). */
  readonly groupInitialRebalanceDelayMs: number;
  /** `group.min.session.timeout.ms` (6000). */
  readonly groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms` (1800000). */
  readonly groupMaxSessionTimeoutMs: number;
  /** `group.max.size` (Integer.MAX_VALUE). */
  readonly groupMaxSize: number;
  /** `offsets.retention.minutes` (10080) in ms. */
  readonly offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms` (600000). */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** `offset.metadata.max.bytes` (4096). */
  readonly offsetMetadataMaxBytes: number;
  /** `group.consumer.session.timeout.ms` (45000). */
  readonly consumerGroupSessionTimeoutMs: number;
  /** `group.consumer.heartbeat.interval.ms` (5000). */
  readonly consumerGroupHeartbeatIntervalMs: number;
  /** `group.consumer.max.size` (Integer.MAX_VALUE). */
  readonly consumerGroupMaxSize: number;
  /** `group.consumer.assignors` (uniform, range): the first is the default. */
  readonly consumerGroupAssignors: readonly string[];
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  groupInitialRebalanceDelayMs: 3000,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupMaxSize: 2_147_483_647,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  consumerGroupSessionTimeoutMs: 45_000,
  consumerGroupHeartbeatIntervalMs: 5000,
  consumerGroupMaxSize: 2_147_483_647,
  consumerGroupAssignors: ['uniform', 'range'],
};
