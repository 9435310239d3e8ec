/**
 * DescribeTopicPartitions (key 75), version 0 (KIP-966). Topic metadata like Metadata's, paged:
 * topics in name order, at most `responsePartitionLimit` partitions in one response (capped at
 * Kafka's max.request.partition.size.limit, 2000, and at least 1), and a `nextCursor` (topic,
 * partition) to continue from when partitions remain.
 *
 * - An empty topic list means every topic; topics named before the cursor's topic are skipped,
 *   and the cursor's topic starts at the cursor's partition.
 * - A named topic that does not exist gets UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION
 *   for an illegal name), without partitions; with every topic asked for there are none such.
 * - A cursor whose topic is missing from a given topic list, or whose partition is negative, is
 *   INVALID_REQUEST for every requested topic, as in Kafka.
 * - Eligible leader replicas (KIP-966's ELR) are empty lists: there is no ELR election here.
 * - Without an authorizer every operation a topic supports is authorized, as in Kafka.
 */
import { isInternalTopic, missingTopicErrorCode } from '../../cluster/controller.js';
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type DescribeTopicPartitionsRequest, type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic as ResponseTopic,
  defaultDescribeTopicPartitionsResponse, defaultDescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from '../../protocol/generated/index.js';
import { ZERO_UUID } from '../../protocol/primitives/index.js';
import type { MetadataCache } from '../metadata-cache.js';
import { TOPIC_OPERATIONS } from '../authorized-operations.js';
import { defineHandler } from '../api-handler.js';

/** Kafka's max.request.partition.size.limit default. */
const MAX_PARTITIONS_PER_RESPONSE = 2000;

function topicResult(topic: TopicRecord, from: number, to: number): ResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.slice(from, to).map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: TOPIC_OPERATIONS,
  };
}

function missingTopic(name: string): ResponseTopic {
  const errorCode = missingTopicErrorCode(name);
  return { ...defaultDescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic(), errorCode, name, isInternal: isInternalTopic(name) };
}

/** The names to describe, sorted, from the cursor's topic on; throws INVALID_REQUEST for a bad cursor. */
function topicNames(cache: MetadataCache, request: DescribeTopicPartitionsRequest): string[] {
  const all = request.topics.length === 0;
  const start = request.cursor?.topicName ?? '';
  const names = new Set(all ? [...cache.topics()].map((t) => t.name) : request.topics.map((t) => t.name));
  const sorted = [...names].filter((n) => n >= start).sort();
  if (!all && request.cursor && !names.has(request.cursor.topicName)) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `the topic list must contain the cursor's topic ${request.cursor.topicName}`);
  }
  if (request.cursor && request.cursor.partitionIndex < 0) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `the cursor's partition ${request.cursor.partitionIndex} is not valid`);
  }
  return sorted;
}

function describe(cache: MetadataCache, request: DescribeTopicPartitionsRequest): DescribeTopicPartitionsResponse {
  const all = request.topics.length === 0;
  let remaining = Math.max(Math.min(MAX_PARTITIONS_PER_RESPONSE, request.responsePartitionLimit), 1);
  const topics: ResponseTopic[] = [];
  for (const name of topicNames(cache, request)) {
    const topic = cache.topic(name);
    if (remaining === 0) {
      // Every partition of the previous topics fit: continue from the start of this one.
      return { ...defaultDescribeTopicPartitionsResponse(), topics, nextCursor: { topicName: name, partitionIndex: 0 } };
    }
    if (!topic) {
      if (!all) topics.push(missingTopic(name));
      continue;
    }
    const from = name === request.cursor?.topicName ? request.cursor.partitionIndex : 0;
    const to = Math.min(topic.partitions.length, from + remaining);
    topics.push(topicResult(topic, from, to));
    if (to < topic.partitions.length) {
      return { ...defaultDescribeTopicPartitionsResponse(), topics, nextCursor: { topicName: name, partitionIndex: to } };
    }
    remaining -= Math.max(to - from, 0);
  }
  return { ...defaultDescribeTopicPartitionsResponse(), topics, nextCursor: null };
}

export const describeTopicPartitionsHandler = defineHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>({
  apiKey: 75,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    try {
      return describe(ctx.broker.metadataCache, request);
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      return {
        ...defaultDescribeTopicPartitionsResponse(),
        topics: request.topics.map((t) => ({
          ...defaultDescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic(), errorCode: err.code, name: t.name, topicId: ZERO_UUID,
        })),
      };
    }
  },
});
