/**
 * Metadata (key 3), versions 0-12. Brokers, cluster id, controller, and per topic its id,
 * partitions, leaders, leader epochs, replicas and ISR.
 *
 * - v0: an empty topic list means every topic; v1+: null means every topic, empty means none.
 * - Unknown topics are created when auto.create.topics.enable is on and the request allows it
 *   (`allowAutoTopicCreation`, v4+; always allowed before v4), as Kafka does; otherwise they get
 *   UNKNOWN_TOPIC_OR_PARTITION. Illegal names get INVALID_TOPIC_EXCEPTION.
 * - v12+: topics may be asked for by id (KIP-516); an unknown id gets UNKNOWN_TOPIC_ID. v10-11 carry
 *   the id field, but Kafka answers a null name there with INVALID_REQUEST.
 * - Authorized operations (v8+, KIP-430): when asked for, every operation is allowed, as Kafka
 *   answers without an authorizer; when not asked for, INT32_MIN.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type MetadataRequest, type MetadataResponse, type MetadataResponseMetadataResponseTopic,
  defaultMetadataResponse, defaultMetadataResponseMetadataResponseTopic,
} from '../../protocol/generated/index.js';
import { ZERO_UUID } from '../../protocol/primitives/index.js';
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { isInternalTopic, missingTopicErrorCode } from '../../cluster/controller.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS } from '../authorized-operations.js';
import { defineHandler } from '../api-handler.js';
import { autoCreateTopics } from '../topic-creation.js';


export function topicMetadata(topic: TopicRecord, topicAuthorizedOperations = OPERATIONS_NOT_REQUESTED): MetadataResponseMetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): MetadataResponseMetadataResponseTopic {
  return { ...defaultMetadataResponseMetadataResponseTopic(), errorCode, name, topicId, topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED };
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, request) {
    const { broker, apiVersion } = ctx;
    const cache = broker.metadataCache;
    const topicOps = request.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    const topics: MetadataResponseMetadataResponseTopic[] = [];
    if (all) {
      for (const t of cache.topics()) topics.push(topicMetadata(t, topicOps));
    } else {
      const wanted = request.topics ?? [];
      const allowCreate = broker.config.autoCreateTopicsEnable && (apiVersion < 4 || request.allowAutoTopicCreation);
      const unknown = wanted
        .filter((t) => t.name !== null && t.name !== '' && !cache.topic(t.name))
        .map((t) => t.name!);
      const createErrors = allowCreate && unknown.length > 0 ? await autoCreateTopics(broker, unknown) : new Map();
      for (const wantedTopic of wanted) {
        // Lookups by id are answered from v12, the first version whose response may name a topic
        // null; below it a null name (v10-11) is refused as Kafka refuses it (INVALID_REQUEST) and an
        // empty name is an ordinary invalid one. Answering null there made the response unencodable.
        const byId = apiVersion >= 12 && (wantedTopic.name === null || wantedTopic.name === '');
        if (byId) {
          const topic = wantedTopic.topicId !== ZERO_UUID ? cache.topicById(wantedTopic.topicId) : undefined;
          topics.push(topic ? topicMetadata(topic, topicOps) : topicError(null, wantedTopic.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
          continue;
        }
        if (wantedTopic.name === null) {
          topics.push(topicError('', wantedTopic.topicId, ErrorCode.INVALID_REQUEST));
          continue;
        }
        const name = wantedTopic.name!;
        const topic = cache.topic(name);
        if (topic) {
          topics.push(topicMetadata(topic, topicOps));
          continue;
        }
        const invalid = missingTopicErrorCode(name);
        const code = invalid === ErrorCode.INVALID_TOPIC_EXCEPTION ? invalid : createErrors.get(name)?.code ?? invalid;
        topics.push(topicError(name, ZERO_UUID, code));
      }
    }
    return {
      ...defaultMetadataResponse(),
      brokers: cache.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: cache.clusterId,
      controllerId: cache.controllerId,
      topics,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
});
