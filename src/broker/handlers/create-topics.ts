/**
 * CreateTopics (key 19), versions 0-7. Per topic: partitions and replication factor (-1 for the
 * broker defaults, v4+ / KIP-464), or explicit replica assignments checked against the live
 * brokers; configs validated by name and value. `validateOnly` (v1+) checks without creating.
 * v5+ returns the created topic's partition count, replication factor and configs with their
 * sources (KIP-525); v7+ its topic id. A name given twice gets INVALID_REQUEST, as in Kafka.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type CreateTopicsRequest, type CreateTopicsResponse, type CreateTopicsResponseCreatableTopicResult,
  defaultCreateTopicsResponse, defaultCreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/index.js';
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { defineHandler } from '../api-handler.js';
import { describeTopicConfigs } from '../topic-configs.js';

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request) {
    const { broker } = ctx;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: CreateTopicsResponseCreatableTopicResult[] = [];
    const plans: TopicRecord[] = [];
    for (const t of request.topics) {
      const result = { ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, configs: null };
      if (counts.get(t.name)! > 1) {
        results.push({ ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `topic ${t.name} appears more than once in the request` });
        continue;
      }
      try {
        const configs: Record<string, string> = {};
        for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
        const plan = broker.controller.planTopic({
          name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, assignments: t.assignments, configs,
        });
        plans.push(plan);
        results.push({
          ...result,
          topicId: request.validateOnly ? result.topicId : plan.topicId,
          numPartitions: plan.partitions.length,
          replicationFactor: plan.partitions[0]?.replicas.length ?? -1,
          configs: describeTopicConfigs(broker.config, plan.configs).map((c) => ({
            name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive,
          })),
        });
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        results.push({ ...result, errorCode: err.code, errorMessage: err.message });
      }
    }
    if (!request.validateOnly) {
      await broker.controller.createTopics(plans);
      for (const plan of plans) broker.logger.info({ topic: plan.name, partitions: plan.partitions.length, topicId: plan.topicId }, 'created topic');
    }
    return { ...defaultCreateTopicsResponse(), topics: results };
  },
});
