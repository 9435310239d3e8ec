/**
 * ConsumerGroupManager: the KIP-848 consumer groups of this coordinator — ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe, member session and rebalance deadlines, and the replay of the consumer-group
 * records of `__consumer_offsets`.
 *
 * Every change is made the way Kafka's CoordinatorRuntime makes it: work out the records
 * (consumer-group-heartbeat-plan.ts), write them, and only once they are written apply them to the
 * in-memory groups by replaying them — the same replay that loads a partition after a restart, so
 * what is served is exactly what the log says. A write that fails changes nothing and answers as
 * Kafka maps append errors (append-errors.ts). Operations on one group run one at a time, in order:
 * a heartbeat is planned against the state the previous one left.
 *
 * Deadlines: a member's session (`group.consumer.session.timeout.ms`) restarts with each heartbeat;
 * when it passes, the member is fenced. A member asked to revoke partitions must do so within its
 * rebalance timeout, else it is fenced too. Replay schedules both (a loaded member gets a fresh
 * session, as Kafka's onLoaded gives it), so they follow the log. A fence whose write fails is
 * retried after 500 ms, as Kafka retries timer operations.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type ConsumerGroupDescribeResponseDescribedGroup, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse,
  defaultConsumerGroupDescribeResponseDescribedGroup, defaultConsumerGroupHeartbeatResponse,
} from '../../protocol/generated/index.js';
import { appendErrorCode } from './append-errors.js';
import { type PartitionAssignor, assignmentFromTopicPartitions } from './assignors/partition-assignor.js';
import { RangeAssignor } from './assignors/range-assignor.js';
import { UniformAssignor } from './assignors/uniform-assignor.js';
import { ConsumerGroup, type TopicMetadata } from './consumer-group.js';
import {
  type HeartbeatPlanContext, existingConsumerGroup, fenceMemberRecords, planHeartbeat, planLeave, validateHeartbeatRequest,
} from './consumer-group-heartbeat-plan.js';
import {
  type ConsumerGroupMember, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, MemberState, newConsumerGroupMember,
  withCurrentAssignment, withMetadata,
} from './consumer-group-member.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { CoordinatorTimer } from './coordinator-timer.js';
import type { ClientInfo, Group, GroupCoordinatorConfig, TopicMetadataSource } from './group.js';

export interface ConsumerGroupManagerOptions {
  readonly config: GroupCoordinatorConfig;
  readonly topics: TopicMetadataSource;
  readonly timer: CoordinatorTimer;
  /** Every group of the coordinator, classic and consumer: this manager adds and removes ConsumerGroups. */
  readonly groups: Map<string, Group>;
  /** Persists the records of a group; rejects with the KafkaError of a failed append. */
  readonly write: (groupId: string, records: readonly CoordinatorRecord[]) => Promise<void>;
}

/** Back-off before retrying a fence whose write failed (Kafka's CoordinatorTimer retry). */
const TIMER_RETRY_BACKOFF_MS = 500;

const KNOWN_ASSIGNORS: readonly PartitionAssignor[] = [new UniformAssignor(), new RangeAssignor()];

/** The field's value when the client did not ask for authorized operations (KIP-430). */
const AUTHORIZED_OPERATIONS_NOT_REQUESTED = -2147483648;

/** READ, DELETE and DESCRIBE: what a group supports, all allowed as Kafka allows them without an authorizer. */
const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export class ConsumerGroupManager {
  private readonly assignors = new Map<string, PartitionAssignor>();
  private readonly planContext: HeartbeatPlanContext;
  /** Per group, the end of its queue of operations. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Unloads that happened while writes were in flight: such a write must not apply its records. */
  private unloadsDuringWrites: ((groupId: string) => boolean)[] = [];
  private writesInFlight = 0;
  private isShutDown = false;

  constructor(private readonly options: ConsumerGroupManagerOptions) {
    for (const name of options.config.consumerGroupAssignors) {
      const assignor = KNOWN_ASSIGNORS.find((a) => a.name === name);
      if (assignor === undefined) throw new Error(`group.consumer.assignors: unknown assignor "${name}" (known: uniform, range)`);
      this.assignors.set(name, assignor);
    }
    if (this.assignors.size === 0) throw new Error('group.consumer.assignors must name at least one assignor');
    this.planContext = {
      config: options.config,
      topics: options.topics,
      groups: options.groups,
      assignors: this.assignors,
      clock: () => options.timer.now(),
    };
  }

  // --- ConsumerGroupHeartbeat ----------------------------------------------------------------------

  async heartbeat(client: ClientInfo, request: ConsumerGroupHeartbeatRequest, apiVersion: number): Promise<ConsumerGroupHeartbeatResponse> {
    try {
      validateHeartbeatRequest(request, apiVersion, this.options.config.consumerGroupAssignors, this.options.topics.topicNames !== undefined);
      return await this.runExclusive(request.groupId, async () => {
        const isLeave = request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH;
        const plan = isLeave ? planLeave(this.planContext, request) : planHeartbeat(this.planContext, client, request);
        await this.commit(request.groupId, plan.records);
        if (plan.renewedMemberId !== null) this.scheduleSessionTimeout(request.groupId, plan.renewedMemberId);
        return plan.response;
      });
    } catch (err) {
      const errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
      const errorMessage = err instanceof KafkaError ? err.message : null;
      return { ...defaultConsumerGroupHeartbeatResponse(), errorCode, errorMessage };
    }
  }

  // --- ConsumerGroupDescribe -----------------------------------------------------------------------

  describe(groupIds: readonly string[], includeAuthorizedOperations: boolean): ConsumerGroupDescribeResponseDescribedGroup[] {
    const assignorOrder = this.options.config.consumerGroupAssignors;
    const topicName = (topicId: string): string | undefined => this.options.topics.topicName(topicId);
    return groupIds.map((groupId) => {
      const failed = (errorCode: number, errorMessage: string): ConsumerGroupDescribeResponseDescribedGroup =>
        ({ ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId, errorCode, errorMessage });
      if (groupId === '') return failed(ErrorCode.INVALID_GROUP_ID, 'The group id is empty.');
      let group: ConsumerGroup;
      try {
        group = existingConsumerGroup(this.options.groups, groupId);
      } catch (err) {
        return failed(ErrorCode.GROUP_ID_NOT_FOUND, (err as Error).message);
      }
      const described = group.describe(assignorOrder[0]!, assignorOrder, topicName);
      return {
        ...described,
        authorizedOperations: includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_NOT_REQUESTED,
      };
    });
  }

  // --- writes ----------------------------------------------------------------------------------------

  /** Runs operations of one group one after another; those of different groups interleave freely. */
  private runExclusive<T>(groupId: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(groupId) ?? Promise.resolve();
    const result = previous.then(operation);
    const tail = result.then(() => undefined, () => undefined);
    this.queues.set(groupId, tail);
    void tail.then(() => {
      if (this.queues.get(groupId) === tail) this.queues.delete(groupId);
    });
    return result;
  }

  /** Writes the records, then applies them. Throws the KafkaError the client gets if the write fails. */
  private async commit(groupId: string, records: readonly CoordinatorRecord[]): Promise<void> {
    if (records.length === 0) return;
    const unloadsBefore = this.unloadsDuringWrites.length;
    this.writesInFlight++;
    let failure: unknown;
    try {
      await this.options.write(groupId, records);
    } catch (err) {
      failure = err;
    }
    this.writesInFlight--;
    const wasUnloaded = this.unloadsDuringWrites.slice(unloadsBefore).some((isInPartition) => isInPartition(groupId));
    if (this.writesInFlight === 0) this.unloadsDuringWrites = [];
    if (failure !== undefined) throw new KafkaError(appendErrorCode(failure) as Exclude<ErrorCode, typeof ErrorCode.NONE>);
    // The partition moved away while writing: its next coordinator replays these records.
    if (wasUnloaded) throw new KafkaError(ErrorCode.NOT_COORDINATOR);
    for (const record of records) this.replay(record);
  }

  // --- deadlines -------------------------------------------------------------------------------------

  private scheduleSessionTimeout(groupId: string, memberId: string): void {
    const key = sessionTimeoutKey(groupId, memberId);
    const expire = (): void => this.fenceOnDeadline(groupId, memberId, key, expire, () => true);
    this.options.timer.schedule(key, this.options.config.consumerGroupSessionTimeoutMs, expire);
  }

  /** Fences the member if it is still at this epoch when its rebalance timeout passes (it did not revoke in time). */
  private scheduleRebalanceTimeout(groupId: string, member: ConsumerGroupMember): void {
    const { memberId, memberEpoch } = member;
    const key = rebalanceTimeoutKey(groupId, memberId);
    const expire = (): void => this.fenceOnDeadline(groupId, memberId, key, expire, (m) => m.memberEpoch === memberEpoch);
    this.options.timer.schedule(key, member.rebalanceTimeoutMs, expire);
  }

  private fenceOnDeadline(groupId: string, memberId: string, key: string, retry: () => void, shouldFence: (m: ConsumerGroupMember) => boolean): void {
    this.runExclusive(groupId, async () => {
      const group = this.options.groups.get(groupId);
      const member = group instanceof ConsumerGroup ? group.member(memberId) : undefined;
      if (member === undefined || !shouldFence(member)) return;
      await this.commit(groupId, fenceMemberRecords(this.options.topics, group as ConsumerGroup, member));
    }).catch(() => {
      if (!this.isShutDown && !this.options.timer.isScheduled(key)) this.options.timer.schedule(key, TIMER_RETRY_BACKOFF_MS, retry);
    });
  }

  private cancelMemberTimers(groupId: string, memberId: string): void {
    this.options.timer.cancel(sessionTimeoutKey(groupId, memberId));
    this.options.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
  }

  // --- replay ----------------------------------------------------------------------------------------

  /** Applies one record of `__consumer_offsets`; records of other kinds are ignored. */
  replay(record: CoordinatorRecord): void {
    switch (record.type) {
      case 'consumer-group-metadata': {
        if (record.value !== null) return this.persistedGroup(record.groupId)!.setGroupEpoch(record.value.epoch);
        const group = this.persistedGroup(record.groupId, false);
        if (group !== undefined) this.removeGroup(group);
        return;
      }
      case 'consumer-group-partition-metadata': {
        const group = this.persistedGroup(record.groupId, record.value !== null);
        const metadata = new Map<string, TopicMetadata>();
        for (const t of record.value?.topics ?? []) {
          metadata.set(t.topicName, { topicId: t.topicId, topicName: t.topicName, partitionCount: t.numPartitions });
        }
        group?.setSubscriptionMetadata(metadata);
        return;
      }
      case 'consumer-group-target-assignment-metadata':
        this.persistedGroup(record.groupId, record.value !== null)?.setTargetAssignmentEpoch(record.value?.assignmentEpoch ?? -1);
        return;
      case 'consumer-group-target-assignment-member': {
        const group = this.persistedGroup(record.groupId, record.value !== null);
        if (record.value === null) group?.removeTargetAssignment(record.memberId);
        else group?.setTargetAssignment(record.memberId, assignmentFromTopicPartitions(record.value.topicPartitions));
        return;
      }
      case 'consumer-group-member-metadata':
        return this.replayMemberMetadata(record.groupId, record.memberId, record.value);
      case 'consumer-group-current-member-assignment':
        return this.replayCurrentAssignment(record.groupId, record.memberId, record.value);
      default:
        return;
    }
  }

  private replayMemberMetadata(groupId: string, memberId: string, value: Parameters<typeof withMetadata>[1] | null): void {
    const group = this.persistedGroup(groupId, value !== null);
    if (group === undefined) return;
    if (value === null) {
      group.removeMember(memberId);
      this.cancelMemberTimers(groupId, memberId);
      return;
    }
    group.updateMember(withMetadata(group.member(memberId) ?? newConsumerGroupMember(memberId), value));
    // A member known only from the log gets a full session to come back (Kafka's onLoaded).
    if (!this.options.timer.isScheduled(sessionTimeoutKey(groupId, memberId))) this.scheduleSessionTimeout(groupId, memberId);
  }

  private replayCurrentAssignment(groupId: string, memberId: string, value: Parameters<typeof withCurrentAssignment>[1] | null): void {
    const group = this.persistedGroup(groupId, value !== null);
    if (group === undefined) return;
    const member = group.member(memberId);
    if (value === null) {
      // The member stays until its metadata tombstone, fenced and owning nothing (Kafka's replay).
      if (member === undefined) return;
      group.updateMember({
        ...member, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
        assignedPartitions: new Map(), partitionsPendingRevocation: new Map(),
      });
      this.options.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
      return;
    }
    const updated = withCurrentAssignment(member ?? newConsumerGroupMember(memberId), value);
    group.updateMember(updated);
    if (updated.state === MemberState.UNREVOKED_PARTITIONS && updated.memberEpoch > 0 && updated.rebalanceTimeoutMs >= 0) {
      this.scheduleRebalanceTimeout(groupId, updated);
    } else {
      this.options.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
    }
  }

  /**
   * The consumer group a record belongs to, created if `create`. An empty classic group of the same id
   * is replaced (it held only offsets); a classic group with members cannot be, as in Kafka.
   */
  private persistedGroup(groupId: string, create = true): ConsumerGroup | undefined {
    const group = this.options.groups.get(groupId);
    if (group instanceof ConsumerGroup) return group;
    if (!create) return undefined;
    if (group !== undefined && !group.isEmpty()) throw new Error(`Group ${groupId} is not a consumer group`);
    const created = new ConsumerGroup(groupId, () => this.options.timer.now());
    this.options.groups.set(groupId, created);
    return created;
  }

  private removeGroup(group: ConsumerGroup): void {
    for (const memberId of group.members.keys()) this.cancelMemberTimers(group.groupId, memberId);
    if (this.options.groups.get(group.groupId) === group) this.options.groups.delete(group.groupId);
    group.markDead();
  }

  // --- lifecycle -------------------------------------------------------------------------------------

  /** The partition holding these groups moved to another coordinator: forget them and their deadlines. */
  onPartitionUnloaded(isInPartition: (groupId: string) => boolean): void {
    if (this.writesInFlight > 0) this.unloadsDuringWrites.push(isInPartition);
    for (const group of [...this.options.groups.values()]) {
      if (group instanceof ConsumerGroup && isInPartition(group.groupId)) this.removeGroup(group);
    }
  }

  shutdown(): void {
    this.isShutDown = true;
    for (const group of this.options.groups.values()) {
      if (!(group instanceof ConsumerGroup)) continue;
      for (const memberId of group.members.keys()) this.cancelMemberTimers(group.groupId, memberId);
    }
  }
}

function sessionTimeoutKey(groupId: string, memberId: string): string {
  return JSON.stringify(['consumer-session', groupId, memberId]);
}

function rebalanceTimeoutKey(groupId: string, memberId: string): string {
  return JSON.stringify(['consumer-rebalance', groupId, memberId]);
}
