/**
 * GroupCoordinatorLog: the group coordinator's CoordinatorLog over this broker's partitions of
 * `__consumer_offsets`. It owns the topic's creation (Kafka's auto-creation of the internal topic),
 * the appends of coordinator records, and the reads that rebuild group state from the log.
 *
 * The topic: `offsets.topic.num.partitions` partitions, replication factor
 * `offsets.topic.replication.factor`, cleanup.policy=compact and segment.bytes =
 * `offsets.topic.segment.bytes`, as Kafka's GroupCoordinator asks for it. Kafka also sets
 * compression.type=producer; this broker never recompresses a batch, which is that behaviour, and
 * has no compression.type topic config to set. It is created on first need (FindCoordinator, or
 * Metadata naming it) by one creation that concurrent callers share; while it cannot be created
 * (more replicas asked than live brokers) callers get COORDINATOR_NOT_AVAILABLE, as from Kafka.
 * An existing topic keeps its own partition count, which is then the one groups hash onto.
 *
 * Leadership hook (for the GroupCoordinator): the broker wiring sets `onPartitionsLed`, then calls
 * `announceLedPartitions()` once at start-up. The hook is called once, with every partition of the
 * topic this broker leads, as soon as both the hook and the topic exist: at that start-up call for
 * a topic already on disk, or right after `ensureTopic()` creates it. On a single node that is
 * every partition, and leadership never moves afterwards. Deleting the topic (DeleteTopics, which
 * Kafka allows for internal topics too) calls `onPartitionsResigned` first, so the coordinator
 * unloads what it held; the recreated topic is announced again, and starts empty.
 *
 * Appends: the records of one call form one uncompressed magic-2 batch (producer id -1, timestamp
 * from the broker clock), so they are applied together or not at all. The append is a Produce with
 * acks=1 in effect: the bytes are written to the OS before the promise resolves, so a killed
 * process loses nothing that was acknowledged.
 *
 * Reads: every record from log start to the high watermark, in 1 MiB reads. Batches are decoded
 * whole (compressed ones too: logs copied from Kafka or written by other tools may hold them);
 * control batches are skipped. A key version this broker does not know (share or streams group
 * records) is skipped with a warning, as Kafka's loader does; a value it cannot decode fails the
 * read, as Kafka's loader fails. Transactional offset commits are yielded like any other record:
 * there is no TxnOffsetCommit yet, and the transactions work must add the pending / aborted
 * handling Kafka's OffsetMetadataManager does.
 */
import type { TopicRecord } from '../cluster/metadata-store.js';
import type { CoordinatorLog } from '../coordinator/group/coordinator-log.js';
import type { CoordinatorRecord } from '../coordinator/group/coordinator-record.js';
import { coordinatorKeyVersion, decodeCoordinatorRecord, encodeCoordinatorRecords } from '../coordinator/group/coordinator-record-codec.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { decodeRecordBatches, encodeRecordBatch, type RecordSpec } from '../protocol/record-batch/index.js';
import type { BrokerServices } from './api-handler.js';
import { ISOLATION_READ_UNCOMMITTED, type Partition } from './replica-manager.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** How much of the log one read during loading takes (at least one whole batch, whatever its size). */
const READ_CHUNK_BYTES = 1024 * 1024;

export class GroupCoordinatorLog implements CoordinatorLog {
  /** Set by the broker wiring; see the module comment for when it is called. */
  onPartitionsLed: ((partitions: number[]) => void) | null = null;
  /** Set by the broker wiring: the topic is being deleted, these partitions are led here no more. */
  onPartitionsResigned: ((partitions: number[]) => void) | null = null;
  private creation: Promise<void> | null = null;
  private hasAnnounced = false;
  private resigningPartitionCount: number | null = null;

  constructor(private readonly services: BrokerServices) {}

  /** The existing topic's partition count, else `offsets.topic.num.partitions` (what it will be created with). */
  get partitionCount(): number {
    return this.resigningPartitionCount ?? this.topic()?.partitions.length ?? this.services.config.offsetsTopicNumPartitions;
  }

  /** Partitions of `__consumer_offsets` this broker leads (none while the topic does not exist). */
  ledPartitions(): number[] {
    const topic = this.topic();
    if (!topic) return [];
    return topic.partitions.filter((p) => p.leader === this.services.nodeId).map((p) => p.partition);
  }

  /** Tells the hook the led partitions, once, if the topic exists and the hook is set. */
  announceLedPartitions(): void {
    if (this.hasAnnounced || this.onPartitionsLed === null || !this.topic()) return;
    this.hasAnnounced = true;
    this.onPartitionsLed(this.ledPartitions());
  }

  /**
   * `__consumer_offsets` is being deleted (called before its logs go): the coordinator unloads its
   * partitions, and a later creation announces the new topic's partitions again.
   */
  topicDeleted(topic: TopicRecord): void {
    const partitions = topic.partitions.filter((p) => p.leader === this.services.nodeId).map((p) => p.partition);
    this.hasAnnounced = false;
    // The controller has dropped the topic already: groups still map by its partition count while they unload.
    this.resigningPartitionCount = topic.partitions.length;
    try {
      this.onPartitionsResigned?.(partitions);
    } finally {
      this.resigningPartitionCount = null;
    }
  }

  /** Creates `__consumer_offsets` unless it exists; throws COORDINATOR_NOT_AVAILABLE while it cannot. */
  ensureTopic(): Promise<void> {
    if (this.topic()) {
      this.announceLedPartitions();
      return Promise.resolve();
    }
    this.creation ??= this.createTopic().finally(() => {
      this.creation = null;
    });
    return this.creation;
  }

  async append(partition: number, records: readonly CoordinatorRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { replicaManager, clock } = this.services;
    const leader = replicaManager.leaderPartition(OFFSETS_TOPIC, partition);
    const now = clock();
    const specs: RecordSpec[] = encodeCoordinatorRecords(records).map(({ key, value }) => ({ key, value, timestamp: now }));
    replicaManager.appendRecords(leader, encodeRecordBatch({ records: specs, baseTimestamp: now, maxTimestamp: now }));
  }

  async *read(partition: number): AsyncIterable<CoordinatorRecord> {
    const { replicaManager } = this.services;
    const leader = replicaManager.leaderPartition(OFFSETS_TOPIC, partition);
    let offset = leader.log.logStartOffset;
    while (offset < leader.log.highWatermark) {
      const data = await replicaManager.read(leader, offset, READ_CHUNK_BYTES, ISOLATION_READ_UNCOMMITTED, true);
      if (data.records.length === 0) return;
      for (const batch of decodeRecordBatches(data.records)) {
        if (batch.isControl) continue;
        for (const record of batch.records) {
          if (record.offset < offset) continue;
          const decoded = this.decode(leader, record.offset, record.key, record.value);
          if (decoded !== null) yield decoded;
        }
      }
      if (data.nextOffset <= offset) return;
      offset = data.nextOffset;
    }
  }

  private decode(leader: Partition, offset: number, key: Buffer | null, value: Buffer | null): CoordinatorRecord | null {
    const version = key === null ? null : coordinatorKeyVersion(key);
    const record = key === null || version === null ? null : decodeCoordinatorRecord(key, value);
    if (record === null) {
      this.services.logger.warn({ topic: OFFSETS_TOPIC, partition: leader.partitionIndex, offset, keyVersion: version }, 'skipping a record of an unknown type while loading group state');
    }
    return record;
  }

  private topic(): TopicRecord | undefined {
    return this.services.controller.topic(OFFSETS_TOPIC);
  }

  private async createTopic(): Promise<void> {
    const { config, controller, logger } = this.services;
    let plan: TopicRecord;
    try {
      plan = controller.planTopic({
        name: OFFSETS_TOPIC,
        numPartitions: config.offsetsTopicNumPartitions,
        replicationFactor: config.offsetsTopicReplicationFactor,
        assignments: [],
        configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.offsetsTopicSegmentBytes) },
      });
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      if (err.code !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot create ${OFFSETS_TOPIC}: ${err.message}`);
      }
      this.announceLedPartitions();
      return;
    }
    await controller.createTopics([plan]);
    logger.info({ topic: OFFSETS_TOPIC, partitions: plan.partitions.length, topicId: plan.topicId }, 'created the group coordinator topic');
    this.announceLedPartitions();
  }
}
