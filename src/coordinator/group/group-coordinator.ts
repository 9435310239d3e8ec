/**
 * GroupCoordinator: the facade the group handlers call, for classic groups (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup), committed offsets, group administration and, through the
 * ConsumerGroupManager, KIP-848 consumer groups. It owns every group this broker coordinates (both
 * types share one map: a group id names one group), the committed offsets, and which partitions of
 * `__consumer_offsets` are loaded here.
 *
 * A group lives in partition `partitionForGroup(groupId)`. Requests for a group whose partition is
 * not hosted here answer NOT_COORDINATOR; while it loads, COORDINATOR_LOAD_IN_PROGRESS; after
 * shutdown, COORDINATOR_NOT_AVAILABLE. Loading (`onElection`) replays the partition's records in
 * order: group metadata rebuilds classic groups (their members get session timers once loaded),
 * offset commits rebuild offsets, consumer-group records go to the ConsumerGroupManager.
 *
 * Responses are shaped for the request's version here (Kafka's request/response classes do that
 * normalization), so a handler only passes them on.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponse, type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse, type DeleteGroupsRequest, type DeleteGroupsResponse, type DescribeGroupsRequest,
  type DescribeGroupsResponse, type HeartbeatRequest, type HeartbeatResponse, type JoinGroupRequest,
  type JoinGroupResponse, type LeaveGroupRequest, type LeaveGroupResponse, type ListGroupsRequest,
  type ListGroupsResponse, type OffsetCommitRequest, type OffsetCommitResponse, type OffsetDeleteRequest,
  type OffsetDeleteResponse, type OffsetFetchRequest, type OffsetFetchResponse, type SyncGroupRequest,
  type SyncGroupResponse, defaultConsumerGroupDescribeResponse, defaultConsumerGroupDescribeResponseDescribedGroup,
  defaultConsumerGroupHeartbeatResponse, defaultHeartbeatResponse, defaultLeaveGroupResponse, defaultListGroupsResponse,
} from '../../protocol/generated/index.js';
import { ClassicGroup } from './classic-group.js';
import { ClassicGroupManager, syncError } from './classic-group-manager.js';
import { ClassicRebalancer, type CoordinatorLogger, joinError } from './classic-rebalancer.js';
import { ConsumerGroupManager } from './consumer-group-manager.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { type CoordinatorLog, partitionForGroup } from './coordinator-log.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { CoordinatorTimer } from './coordinator-timer.js';
import { deleteGroups, describeGroups, expireOffsets, listGroups } from './group-admin.js';
import type { ClientInfo, Group, GroupCoordinatorConfig, TopicMetadataSource } from './group.js';
import { OffsetManager } from './offset-manager.js';
import { commitOffsets, deleteOffsets, fetchOffsets } from './offset-requests.js';

export interface GroupCoordinatorOptions {
  readonly config: GroupCoordinatorConfig;
  readonly log: CoordinatorLog;
  readonly topics: TopicMetadataSource;
  readonly timer: CoordinatorTimer;
  readonly logger: CoordinatorLogger;
}

const EXPIRATION_KEY = 'offsets-expiration';

export class GroupCoordinator {
  private readonly groupsById = new Map<string, Group>();
  private readonly offsets = new OffsetManager();
  private readonly partitions = new Map<number, 'loading' | 'loaded'>();
  private readonly rebalancer: ClassicRebalancer;
  private readonly classic: ClassicGroupManager;
  private readonly consumerGroups: ConsumerGroupManager;
  private readonly context: CoordinatorContext;
  private isActive = true;

  constructor(private readonly options: GroupCoordinatorOptions) {
    const { config, timer, logger } = options;
    const write = (groupId: string, records: readonly CoordinatorRecord[]): Promise<void> => options.log.append(this.partitionFor(groupId), records);
    const clock = (): number => timer.now();
    this.rebalancer = new ClassicRebalancer({ config, timer, logger, write, lookup: (groupId) => this.classic.classicGroup(groupId) });
    this.classic = new ClassicGroupManager({ config, groups: this.groupsById, rebalancer: this.rebalancer, clock, logger, write });
    this.consumerGroups = new ConsumerGroupManager({ config, topics: options.topics, timer, groups: this.groupsById, write });
    this.context = {
      config, topics: options.topics, groups: this.groupsById, offsets: this.offsets, classic: this.classic, logger,
      now: clock,
      partitionFor: (groupId) => this.partitionFor(groupId),
      coordinatorError: (groupId) => this.coordinatorError(groupId),
      loadedPartitions: () => [...this.partitions].filter(([, state]) => state === 'loaded').map(([p]) => p),
      isLoading: () => [...this.partitions.values()].includes('loading'),
      writeAndApply: async (partition, records) => {
        await options.log.append(partition, records);
        if (this.partitions.get(partition) === 'loaded') for (const record of records) this.replay(record);
      },
    };
    this.scheduleExpiration();
  }

  /** Every group held here, for tests and tools; changes go through the APIs. */
  get groups(): ReadonlyMap<string, Group> {
    return this.groupsById;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.options.log.partitionCount);
  }

  isLoaded(partition: number): boolean {
    return this.partitions.get(partition) === 'loaded';
  }

  private coordinatorError(groupId: string): number {
    if (!this.isActive) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const state = this.partitions.get(this.partitionFor(groupId));
    if (state === undefined) return ErrorCode.NOT_COORDINATOR;
    return state === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  // ---- loading ----

  /** This broker now leads the partition: load its groups and offsets from the log. */
  async onElection(partition: number): Promise<void> {
    if (!this.isActive || this.partitions.has(partition)) return;
    this.partitions.set(partition, 'loading');
    const startMs = this.options.timer.now();
    let count = 0;
    try {
      for await (const record of this.options.log.read(partition)) {
        this.replay(record);
        count++;
      }
    } catch (err) {
      // A read cut short by a shutdown or resignation is no failure.
      if (this.partitions.get(partition) !== 'loading') return;
      this.options.logger.error({ err, partition }, 'failed to load __consumer_offsets partition');
      this.dropPartition(partition);
      return;
    }
    if (this.partitions.get(partition) !== 'loading') return;
    this.onLoaded(partition);
    this.partitions.set(partition, 'loaded');
    this.options.logger.info({ partition, records: count, ms: this.options.timer.now() - startMs }, 'loaded __consumer_offsets partition');
  }

  private replay(record: CoordinatorRecord): void {
    switch (record.type) {
      case 'offset-commit':
        // Offsets without a group come from a consumer that assigns its own partitions: a simple group holds them.
        if (record.value !== null && !this.groupsById.has(record.groupId)) {
          this.groupsById.set(record.groupId, new ClassicGroup(record.groupId, () => this.options.timer.now()));
        }
        this.offsets.replay(record);
        return;
      case 'group-metadata': {
        const existing = this.groupsById.get(record.groupId);
        if (record.value !== null) {
          this.groupsById.set(record.groupId, ClassicGroup.fromRecord(record.groupId, record.value, () => this.options.timer.now()));
        } else if (existing instanceof ClassicGroup && (existing.is('Empty') || existing.is('Dead') || this.partitions.get(this.partitionFor(record.groupId)) === 'loading')) {
          this.groupsById.delete(record.groupId);
        }
        return;
      }
      default:
        this.consumerGroups.replay(record);
    }
  }

  /** Kafka's onLoaded: loaded members get a session to keep alive; an oversized group rebalances. */
  private onLoaded(partition: number): void {
    for (const group of this.groupsById.values()) {
      if (!(group instanceof ClassicGroup) || this.partitionFor(group.groupId) !== partition) continue;
      for (const member of group.allMembers()) this.rebalancer.rescheduleHeartbeat(group, member);
      if (group.size > this.options.config.groupMaxSize) this.rebalancer.prepareRebalance(group, 'loaded group is over group.max.size');
    }
  }

  /** This broker no longer leads the partition: forget its groups, answering parked requests NOT_COORDINATOR. */
  onResignation(partition: number): void {
    if (!this.partitions.has(partition)) return;
    this.dropPartition(partition);
    this.options.logger.info({ partition }, 'unloaded __consumer_offsets partition');
  }

  private dropPartition(partition: number): void {
    this.partitions.delete(partition);
    const isInPartition = (groupId: string): boolean => this.partitionFor(groupId) === partition;
    this.consumerGroups.onPartitionUnloaded(isInPartition);
    for (const [groupId, group] of [...this.groupsById]) {
      if (!isInPartition(groupId)) continue;
      if (group instanceof ClassicGroup) this.rebalancer.unload(group);
      this.groupsById.delete(groupId);
    }
    for (const groupId of [...this.offsets.groupIds()]) if (isInPartition(groupId)) this.offsets.dropGroup(groupId);
  }

  // ---- classic group membership ----

  async joinGroup(client: ClientInfo, request: JoinGroupRequest, apiVersion: number): Promise<JoinGroupResponse> {
    // JoinGroup v0 has no rebalance timeout: the session timeout serves as one.
    const join = apiVersion === 0 ? { ...request, rebalanceTimeoutMs: request.sessionTimeoutMs } : request;
    return shapeJoinResponse(await this.join(client, join, apiVersion), apiVersion);
  }

  private join(client: ClientInfo, request: JoinGroupRequest, apiVersion: number): Promise<JoinGroupResponse> | JoinGroupResponse {
    const { config } = this.options;
    if (!this.isActive) return joinError(request.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.groupId === '') return joinError(request.memberId, ErrorCode.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs < config.groupMinSessionTimeoutMs || request.sessionTimeoutMs > config.groupMaxSessionTimeoutMs) {
      return joinError(request.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const coordinatorError = this.coordinatorError(request.groupId);
    if (coordinatorError !== ErrorCode.NONE) return joinError(request.memberId, coordinatorError);
    const existing = this.groupsById.get(request.groupId);
    if (existing !== undefined && existing.type === 'consumer') {
      // Classic members are not served inside a KIP-848 group here; an empty one gives way to a classic group.
      if (!existing.isEmpty()) return joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      this.groupsById.delete(request.groupId);
      this.options.log.append(this.partitionFor(request.groupId), existing.tombstoneRecords()).catch((err: unknown) => {
        this.options.logger.warn({ err, groupId: request.groupId }, 'failed to write the tombstones of an empty consumer group');
      });
    }
    return this.classic.join({ ...client, apiVersion }, request);
  }

  async syncGroup(request: SyncGroupRequest, apiVersion: number): Promise<SyncGroupResponse> {
    if (!this.isActive) return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    // KIP-559: from v5 the protocol type and name are mandatory.
    if (apiVersion >= 5 && (request.protocolType === null || request.protocolName === null)) return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const coordinatorError = this.coordinatorError(request.groupId);
    if (coordinatorError !== ErrorCode.NONE) return syncError(coordinatorError);
    return this.classic.sync(request);
  }

  heartbeat(request: HeartbeatRequest, _apiVersion: number): Promise<HeartbeatResponse> {
    const respond = (errorCode: number): Promise<HeartbeatResponse> => Promise.resolve({ ...defaultHeartbeatResponse(), errorCode });
    if (request.groupId === '') return respond(ErrorCode.INVALID_GROUP_ID);
    const coordinatorError = this.coordinatorError(request.groupId);
    // Kafka answers a heartbeat during loading blindly: the member's session is not at risk yet.
    if (coordinatorError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return respond(ErrorCode.NONE);
    if (coordinatorError !== ErrorCode.NONE) return respond(coordinatorError);
    return respond(this.classic.heartbeat(request));
  }

  leaveGroup(request: LeaveGroupRequest, apiVersion: number): Promise<LeaveGroupResponse> {
    // v0-2 name one member by id; v3+ a batch, each by member id or instance id (KIP-345).
    const members = apiVersion >= 3 ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    let result: { errorCode: number; members: LeaveGroupResponse['members'] };
    const coordinatorError = request.groupId === '' ? ErrorCode.INVALID_GROUP_ID : this.coordinatorError(request.groupId);
    const group = this.classic.classicGroup(request.groupId);
    if (coordinatorError !== ErrorCode.NONE) result = { errorCode: coordinatorError, members: [] };
    else if (!group) result = { errorCode: ErrorCode.NONE, members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    else result = this.classic.leave(group, members);
    if (apiVersion >= 3) return Promise.resolve({ ...defaultLeaveGroupResponse(), ...result });
    // v0-2 carry one error: the group's, else the member's.
    const errorCode = result.errorCode !== ErrorCode.NONE ? result.errorCode : result.members[0]?.errorCode ?? ErrorCode.NONE;
    return Promise.resolve({ ...defaultLeaveGroupResponse(), errorCode });
  }

  // ---- offsets ----

  commitOffsets(request: OffsetCommitRequest, apiVersion: number): Promise<OffsetCommitResponse> {
    return commitOffsets(this.context, request, apiVersion);
  }

  fetchOffsets(request: OffsetFetchRequest, apiVersion: number): Promise<OffsetFetchResponse> {
    return Promise.resolve(fetchOffsets(this.context, request, apiVersion));
  }

  deleteOffsets(request: OffsetDeleteRequest, _apiVersion: number): Promise<OffsetDeleteResponse> {
    return deleteOffsets(this.context, request);
  }

  // ---- administration ----

  listGroups(request: ListGroupsRequest, apiVersion: number): ListGroupsResponse {
    if (!this.isActive) return { ...defaultListGroupsResponse(), errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    return listGroups(this.context, request, apiVersion);
  }

  describeGroups(request: DescribeGroupsRequest, _apiVersion: number): DescribeGroupsResponse {
    return describeGroups(this.context, request);
  }

  deleteGroups(request: DeleteGroupsRequest, _apiVersion: number): Promise<DeleteGroupsResponse> {
    return deleteGroups(this.context, request);
  }

  /** One pass of offset expiration (also run every `offsets.retention.check.interval.ms`). */
  expireOffsets(): Promise<void> {
    if (!this.isActive) return Promise.resolve();
    return expireOffsets(this.context);
  }

  private scheduleExpiration(): void {
    // The next pass is scheduled before this one runs, so passes keep their cadence however long a write takes.
    this.options.timer.schedule(EXPIRATION_KEY, this.options.config.offsetsRetentionCheckIntervalMs, () => {
      this.scheduleExpiration();
      this.expireOffsets().catch((err: unknown) => this.options.logger.error({ err }, 'offset expiration failed'));
    });
  }

  // ---- KIP-848 consumer groups ----

  consumerGroupHeartbeat(client: ClientInfo, request: ConsumerGroupHeartbeatRequest, apiVersion: number): Promise<ConsumerGroupHeartbeatResponse> {
    // An empty group id is the manager's to refuse (INVALID_REQUEST); it names no partition to check.
    const coordinatorError = request.groupId === '' && this.isActive ? ErrorCode.NONE : this.coordinatorError(request.groupId);
    if (coordinatorError !== ErrorCode.NONE) return Promise.resolve({ ...defaultConsumerGroupHeartbeatResponse(), errorCode: coordinatorError });
    return this.consumerGroups.heartbeat(client, request, apiVersion);
  }

  consumerGroupDescribe(request: ConsumerGroupDescribeRequest, _apiVersion: number): ConsumerGroupDescribeResponse {
    const served: string[] = [];
    const failed = [];
    for (const groupId of request.groupIds) {
      const errorCode = groupId === '' ? ErrorCode.INVALID_GROUP_ID : this.coordinatorError(groupId);
      if (errorCode === ErrorCode.NONE) served.push(groupId);
      else failed.push({ ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId, errorCode });
    }
    const described = served.length === 0 ? [] : this.consumerGroups.describe(served, request.includeAuthorizedOperations);
    return { ...defaultConsumerGroupDescribeResponse(), groups: [...described, ...failed] };
  }

  // ---- shutdown ----

  /** Stops every deadline; parked JoinGroup/SyncGroup requests answer NOT_COORDINATOR, as on an unload. */
  shutdown(): void {
    if (!this.isActive) return;
    for (const partition of [...this.partitions.keys()]) this.dropPartition(partition);
    this.isActive = false;
    this.consumerGroups.shutdown();
    this.options.timer.cancelAll();
  }
}

/** Kafka's JoinGroupResponse: before v7 the protocol name is never null; from v7 an empty one is sent as null. */
function shapeJoinResponse(response: JoinGroupResponse, apiVersion: number): JoinGroupResponse {
  if (apiVersion < 7 && response.protocolName === null) return { ...response, protocolName: '' };
  if (apiVersion >= 7 && response.protocolName === '') return { ...response, protocolName: null };
  return response;
}
