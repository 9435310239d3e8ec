/**
 * Controller: decides topic and partition changes (create, delete, add partitions, alter configs),
 * checks them as Kafka does, writes them through the MetadataStore and announces them to the
 * broker. On a single node it is local and every partition's leader is this node; a cluster runs
 * one elected controller behind the same methods.
 *
 * Validation follows Kafka: legal topic names (INVALID_TOPIC_EXCEPTION), TOPIC_ALREADY_EXISTS,
 * INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more replicas than live brokers),
 * INVALID_REPLICA_ASSIGNMENT (unknown brokers, uneven counts), INVALID_CONFIG.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { randomUuid } from '../protocol/primitives/index.js';
import { InvalidConfigError, type LogConfig, logConfigWith } from '../storage/log-config.js';
import type { ClusterMetadataImage, MetadataStore, PartitionRecord, TopicRecord } from './metadata-store.js';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
/**
 * Most partitions one request may create (Kafka's controller limit, KAFKA-17870): a record is built
 * per partition, so an unchecked count from the wire (2^31-1) would exhaust the heap and abort.
 */
const MAX_PARTITIONS_PER_REQUEST = 10_000;

/** Kafka's internal topics: clients may not delete their records. */
export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

export interface NewTopic {
  readonly name: string;
  /** -1: the broker default (num.partitions). */
  readonly numPartitions: number;
  /** -1: the broker default (default.replication.factor). */
  readonly replicationFactor: number;
  /** Explicit replica lists by partition; when given, numPartitions and replicationFactor must be -1. */
  readonly assignments: readonly { readonly partitionIndex: number; readonly brokerIds: readonly number[] }[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface ControllerOptions {
  readonly nodeId: number;
  readonly liveBrokers: () => readonly number[];
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  /** Broker-level log defaults, to validate topic configs against. */
  readonly baseLogConfig: LogConfig;
  /** Applies committed changes to the broker (metadata cache, logs). */
  readonly onTopicsChanged: (changed: readonly TopicRecord[], deleted: readonly TopicRecord[]) => Promise<void>;
}

export function validateTopicName(name: string): void {
  if (name.length === 0) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'topic name is empty');
  if (name === '.' || name === '..') throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name cannot be "${name}"`);
  if (name.length > MAX_TOPIC_LENGTH) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name is longer than ${MAX_TOPIC_LENGTH} characters`);
  if (!LEGAL_TOPIC.test(name)) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name "${name}" may contain only ASCII letters, digits, '.', '_' and '-'`);
}

/** The code Kafka answers for a topic that does not exist: INVALID_TOPIC_EXCEPTION if its name could never exist. */
export function missingTopicErrorCode(name: string): number {
  try {
    validateTopicName(name);
    return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  } catch {
    return ErrorCode.INVALID_TOPIC_EXCEPTION;
  }
}

export class Controller {
  private readonly topics = new Map<string, TopicRecord>();
  readonly clusterId: string;

  constructor(private readonly store: MetadataStore, image: ClusterMetadataImage, private readonly options: ControllerOptions) {
    this.clusterId = image.clusterId;
    for (const t of image.topics) this.topics.set(t.name, t);
  }

  topic(name: string): TopicRecord | undefined {
    return this.topics.get(name);
  }

  allTopics(): IterableIterator<TopicRecord> {
    return this.topics.values();
  }

  /** The topic's effective log config; throws INVALID_CONFIG for an unknown name or bad value. */
  logConfigFor(configs: Readonly<Record<string, string>>): LogConfig {
    try {
      return logConfigWith(this.options.baseLogConfig, configs);
    } catch (err) {
      if (err instanceof InvalidConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
  }

  /** Checks a new topic and builds its record, or throws the KafkaError Kafka would answer. */
  planTopic(spec: NewTopic): TopicRecord {
    validateTopicName(spec.name);
    if (this.topics.has(spec.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${spec.name} already exists`);
    const live = this.options.liveBrokers();
    let replicaLists: number[][];
    if (spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'both replica assignments and numPartitions/replicationFactor were given');
      }
      replicaLists = this.checkAssignments(spec.assignments, live);
    } else {
      const partitions = spec.numPartitions === -1 ? this.options.defaultPartitions : spec.numPartitions;
      const factor = spec.replicationFactor === -1 ? this.options.defaultReplicationFactor : spec.replicationFactor;
      if (partitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be larger than 0, got ${partitions}`);
      if (partitions > MAX_PARTITIONS_PER_REQUEST) throw new KafkaError(ErrorCode.POLICY_VIOLATION, `Excessively large number of partitions per request (${partitions}; at most ${MAX_PARTITIONS_PER_REQUEST}).`);
      if (factor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be larger than 0, got ${factor}`);
      if (factor > live.length) {
        throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${factor} is larger than the ${live.length} available broker(s)`);
      }
      replicaLists = Array.from({ length: partitions }, (_, p) => Array.from({ length: factor }, (_, r) => live[(p + r) % live.length]!));
    }
    this.logConfigFor(spec.configs);
    return {
      name: spec.name,
      topicId: randomUuid(randomBytes),
      partitions: replicaLists.map((replicas, partition) => this.newPartition(partition, replicas)),
      configs: { ...spec.configs },
    };
  }

  private newPartition(partition: number, replicas: readonly number[]): PartitionRecord {
    return { partition, leader: replicas[0]!, leaderEpoch: 0, replicas: [...replicas], isr: [...replicas], partitionEpoch: 0 };
  }

  private checkAssignments(assignments: NewTopic['assignments'], live: readonly number[]): number[][] {
    const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    const lists: number[][] = [];
    sorted.forEach((a, i) => {
      if (a.partitionIndex !== i) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions in the assignment must be numbered 0, 1, ... without gaps');
      if (a.brokerIds.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${i} has no replicas`);
      if (new Set(a.brokerIds).size !== a.brokerIds.length) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${i} lists a broker twice`);
      for (const id of a.brokerIds) {
        if (!live.includes(id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `broker ${id} in the assignment of partition ${i} is not a live broker`);
      }
      if (lists.length > 0 && a.brokerIds.length !== lists[0]!.length) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'every partition must have the same number of replicas');
      }
      lists.push([...a.brokerIds]);
    });
    return lists;
  }

  /** Stores and announces topics planned by `planTopic` (all in one metadata write). */
  async createTopics(records: readonly TopicRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.store.putTopics(records);
    for (const r of records) this.topics.set(r.name, r);
    await this.options.onTopicsChanged(records, []);
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const deleted = names.map((n) => this.topics.get(n)).filter((t): t is TopicRecord => t !== undefined);
    if (deleted.length === 0) return;
    await this.store.deleteTopics(deleted.map((t) => t.name));
    for (const t of deleted) this.topics.delete(t.name);
    await this.options.onTopicsChanged([], deleted);
  }

  /**
   * CreatePartitions: the topic grown to `count` partitions, checked as Kafka's controller checks
   * it: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (not an increase), INVALID_REPLICA_ASSIGNMENT
   * (wrong number of assignments, an empty or repeating replica list, a broker that is not live, a
   * replica count unlike the existing partitions'), INVALID_REPLICATION_FACTOR (too few brokers).
   */
  planPartitionIncrease(name: string, count: number, assignments: readonly (readonly number[])[] | null): TopicRecord {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} does not exist`);
    const current = topic.partitions.length;
    if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${name} already has ${current} partition(s)`);
    if (count < current) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${name} has ${current} partition(s); ${count} would not be an increase`);
    }
    const additional = count - current;
    if (additional > MAX_PARTITIONS_PER_REQUEST) throw new KafkaError(ErrorCode.POLICY_VIOLATION, `Excessively large number of partitions per request (${additional}; at most ${MAX_PARTITIONS_PER_REQUEST}).`);
    if (assignments && assignments.length !== additional) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${additional} partition(s) are added, but ${assignments.length} assignment(s) were given`);
    }
    const live = this.options.liveBrokers();
    const factor = topic.partitions[0]?.replicas.length ?? 1;
    if (!assignments && factor > live.length) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${factor} of ${name} is larger than the ${live.length} available broker(s)`);
    }
    const added: PartitionRecord[] = [];
    for (let p = current; p < count; p++) {
      const replicas = assignments ? assignments[p - current]! : Array.from({ length: factor }, (_, r) => live[(p + r) % live.length]!);
      if (assignments) this.checkNewPartitionReplicas(p, replicas, factor, live);
      added.push(this.newPartition(p, replicas));
    }
    return { ...topic, partitions: [...topic.partitions, ...added] };
  }

  private checkNewPartitionReplicas(partition: number, replicas: readonly number[], factor: number, live: readonly number[]): void {
    if (replicas.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the assignment of new partition ${partition} is empty`);
    if (new Set(replicas).size !== replicas.length) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the assignment of new partition ${partition} lists a broker more than once`);
    for (const id of replicas) {
      if (!live.includes(id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `broker ${id} in the assignment of new partition ${partition} is not a live broker`);
    }
    if (replicas.length !== factor) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `new partition ${partition} has ${replicas.length} replica(s), unlike the existing partitions' ${factor}`);
    }
  }

  /**
   * AlterConfigs / IncrementalAlterConfigs: the topic with `configs` as its complete set of
   * overrides. Checked in Kafka's order: the values (INVALID_CONFIG), then that the topic exists.
   */
  planTopicConfigs(name: string, configs: Readonly<Record<string, string>>): TopicRecord {
    this.logConfigFor(configs);
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} does not exist`);
    return { ...topic, configs: { ...configs } };
  }

  /** Stores changed topics (new partitions, new configs) and announces them. */
  async updateTopics(records: readonly TopicRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.store.putTopics(records);
    for (const r of records) this.topics.set(r.name, r);
    await this.options.onTopicsChanged(records, []);
  }
}
