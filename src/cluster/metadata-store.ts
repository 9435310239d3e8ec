/**
 * MetadataStore: where cluster metadata lives — the cluster id, topics with their ids, configs
 * and partition state (leader, leader epoch, replicas, ISR, partition epoch). The broker reads it
 * once at start and writes through it on every change; every write is atomic, so a process kill
 * in the middle of CreateTopics or DeleteTopics leaves the old state or the new one, never half.
 *
 * `LocalMetadataStore` (one file) serves the single node; a cluster puts an etcd-backed store
 * behind this same interface.
 */

export interface PartitionRecord {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
}

export interface TopicRecord {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionRecord[];
  /** Topic-level config overrides, by Kafka's names. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface ClusterMetadataImage {
  readonly clusterId: string;
  readonly topics: readonly TopicRecord[];
}

/** A range of producer ids reserved for one broker: [firstProducerId, firstProducerId + size). */
export interface ProducerIdBlock {
  readonly firstProducerId: number;
  readonly size: number;
}

export interface MetadataStore {
  /** The stored image, creating an empty one with a fresh cluster id on first use. */
  load(): Promise<ClusterMetadataImage>;
  /**
   * Reserves the next `count` producer ids for good: the reservation is durable before it is
   * returned, so no id is handed out twice, across restarts and (with a shared store) brokers.
   */
  allocateProducerIds(count: number): Promise<ProducerIdBlock>;
  /** Creates or replaces topics, all or none. */
  putTopics(topics: readonly TopicRecord[]): Promise<void>;
  /** Deletes topics by name, all or none. */
  deleteTopics(names: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
