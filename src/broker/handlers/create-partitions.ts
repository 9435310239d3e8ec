/**
 * CreatePartitions (key 37), versions 0-3. Grows topics to a new partition count, placing the new
 * partitions' replicas on the live brokers or on the explicit `assignments` (one broker list per
 * new partition), which must name live brokers, no broker twice, and as many replicas as the
 * existing partitions have. The Controller checks and stores the change in one metadata write;
 * its announcement creates the new partitions' logs.
 *
 * - An unknown topic gets UNKNOWN_TOPIC_OR_PARTITION; a count that is not an increase
 *   INVALID_PARTITIONS; a bad assignment INVALID_REPLICA_ASSIGNMENT; a topic named twice
 *   INVALID_REQUEST, as in Kafka.
 * - `validateOnly` checks without creating anything.
 * - v1: same as v0. v2: flexible encoding. v3: may answer THROTTLING_QUOTA_EXCEEDED (KIP-599);
 *   there are no quotas here, so it never does.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type CreatePartitionsRequest, type CreatePartitionsResponse, type CreatePartitionsResponseCreatePartitionsTopicResult,
  defaultCreatePartitionsResponse,
} from '../../protocol/generated/index.js';
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { defineHandler } from '../api-handler.js';

type Result = CreatePartitionsResponseCreatePartitionsTopicResult;

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const { broker } = ctx;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: Result[] = [];
    const plans: { readonly record: TopicRecord; readonly result: Result }[] = [];
    for (const t of request.topics) {
      const result: Result = { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
      results.push(result);
      if (counts.get(t.name)! > 1) {
        Object.assign(result, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'duplicate topic name' });
        continue;
      }
      try {
        const assignments = t.assignments ? t.assignments.map((a) => a.brokerIds) : null;
        plans.push({ record: broker.controller.planPartitionIncrease(t.name, t.count, assignments), result });
      } catch (err) {
        if (err instanceof KafkaError) {
          Object.assign(result, { errorCode: err.code, errorMessage: err.message });
        } else {
          broker.logger.error({ err, topic: t.name, correlationId: ctx.correlationId }, 'checking new partitions failed unexpectedly');
          Object.assign(result, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'unexpected server error; see the broker log' });
        }
      }
    }
    if (!request.validateOnly && plans.length > 0) {
      try {
        await broker.controller.updateTopics(plans.map((p) => p.record));
        for (const { record } of plans) broker.logger.info({ topic: record.name, partitions: record.partitions.length }, 'added partitions');
      } catch (err) {
        broker.logger.error({ err, topics: plans.map((p) => p.record.name), correlationId: ctx.correlationId }, 'adding partitions failed');
        for (const { result } of plans) Object.assign(result, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'unexpected server error; see the broker log' });
      }
    }
    return { ...defaultCreatePartitionsResponse(), results };
  },
});
