/**
 * Cluster metadata as the client uses it: brokers, and per topic its id and partitions with
 * their leaders. Asking about named topics never creates them unless `allowAutoTopicCreation`
 * is set; a topic the broker reports with an error code throws KafkaResponseError
 * (UNKNOWN_TOPIC_OR_PARTITION for one that does not exist).
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { ZERO_UUID } from '../protocol/primitives/index.js';
import { METADATA } from './client-api.js';
import { KafkaResponseError, throwIfError } from './client-errors.js';
import type { KafkaConnection } from './kafka-connection.js';

export interface BrokerMetadata {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
  readonly errorCode: number;
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly isInternal: boolean;
  /** Ordered by partition index. */
  readonly partitions: readonly PartitionMetadata[];
}

export interface ClusterMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly BrokerMetadata[];
  /** By name, in the order the broker listed them. */
  readonly topics: ReadonlyMap<string, TopicMetadata>;
}

export interface MetadataOptions {
  /** Let the broker create missing topics (when its auto.create.topics.enable allows). Default false. */
  readonly allowAutoTopicCreation?: boolean;
}

/** Metadata for `topics`, or for every topic when `topics` is null. */
export async function fetchMetadata(connection: KafkaConnection, topics: readonly string[] | null, options: MetadataOptions = {}): Promise<ClusterMetadata> {
  const response = await connection.send(METADATA, {
    topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
    allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  const byName = new Map<string, TopicMetadata>();
  for (const t of response.topics) {
    const name = t.name ?? '';
    throwIfError(t.errorCode, `topic ${name}`);
    byName.set(name, {
      name,
      topicId: t.topicId,
      isInternal: t.isInternal,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition),
    });
  }
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId,
    brokers: response.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    topics: byName,
  };
}

/** The topic's metadata; throws UNKNOWN_TOPIC_OR_PARTITION when the cluster has no such topic. */
export function topicOf(metadata: ClusterMetadata, topic: string): TopicMetadata {
  const found = metadata.topics.get(topic);
  if (!found) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic}`);
  return found;
}
