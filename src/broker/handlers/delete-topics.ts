/**
 * DeleteTopics (key 20), versions 1-6 (Kafka 4.0 removed v0, KIP-896). Deletes topics: their
 * metadata goes in one write through the Controller, then their logs are removed from disk.
 *
 * - With delete.topic.enable=false every topic gets TOPIC_DELETION_DISABLED (v3+) or
 *   INVALID_REQUEST (v1-2, which predate that code), as in Kafka.
 * - An unknown name gets UNKNOWN_TOPIC_OR_PARTITION; a name given twice INVALID_REQUEST.
 * - v5+: errorMessage (KIP-599).
 * - v6+: topics by name or by id (KIP-516). An unknown id gets UNKNOWN_TOPIC_ID; an id given
 *   twice, or also reached through a name, INVALID_REQUEST; so do both or neither of name and id
 *   in one entry. Results carry name and id.
 * Results keep the request's order (Kafka's order is unspecified).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type DeleteTopicsRequest, type DeleteTopicsResponse, type DeleteTopicsResponseDeletableTopicResult,
  defaultDeleteTopicsResponse,
} from '../../protocol/generated/index.js';
import { ZERO_UUID } from '../../protocol/primitives/index.js';
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { type RequestContext, defineHandler } from '../api-handler.js';

type Result = DeleteTopicsResponseDeletableTopicResult;

function result(name: string | null, topicId: string, errorCode: number, errorMessage: string | null): Result {
  return { name, topicId, errorCode, errorMessage };
}

/** The request's entries as (name, id) pairs: v1-5 send names only, v6 names or ids. */
function entries(request: DeleteTopicsRequest): { name: string | null; topicId: string }[] {
  return [
    ...request.topicNames.map((name) => ({ name, topicId: ZERO_UUID })),
    ...request.topics.map((t) => ({ name: t.name, topicId: t.topicId })),
  ];
}

function countBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Resolves each entry to a topic, or to the error Kafka answers for it. */
function resolve(ctx: RequestContext, request: DeleteTopicsRequest): { results: Result[]; doomed: Map<string, TopicRecord> } {
  const controller = ctx.broker.controller;
  const wanted = entries(request);
  const names = countBy(wanted, (e) => (e.topicId === ZERO_UUID ? e.name : null));
  const ids = countBy(wanted, (e) => (e.name === null && e.topicId !== ZERO_UUID ? e.topicId : null));
  const byId = new Map([...controller.allTopics()].map((t) => [t.topicId, t]));
  const results: Result[] = [];
  const doomed = new Map<string, TopicRecord>();
  const claimedIds = new Set<string>();
  for (const e of wanted) {
    if (e.name === null && e.topicId === ZERO_UUID) {
      results.push(result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'neither topic name nor id were specified'));
    } else if (e.name !== null && e.topicId !== ZERO_UUID) {
      results.push(result(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'you may not specify both topic name and topic id'));
    } else if (e.name === null) {
      const topic = byId.get(e.topicId);
      if (ids.get(e.topicId)! > 1) results.push(result(null, e.topicId, ErrorCode.INVALID_REQUEST, 'duplicate topic id'));
      else if (!topic) results.push(result(null, e.topicId, ErrorCode.UNKNOWN_TOPIC_ID, `no topic has id ${e.topicId}`));
      else if (claimedIds.has(topic.topicId)) results.push(result(topic.name, e.topicId, ErrorCode.INVALID_REQUEST, 'the topic id was also reached through its name'));
      else {
        claimedIds.add(topic.topicId);
        doomed.set(topic.name, topic);
        results.push(result(topic.name, topic.topicId, ErrorCode.NONE, null));
      }
    } else {
      const topic = controller.topic(e.name);
      if (names.get(e.name)! > 1) results.push(result(e.name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'duplicate topic name'));
      else if (!topic) results.push(result(e.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${e.name} does not exist`));
      else if (claimedIds.has(topic.topicId)) results.push(result(e.name, topic.topicId, ErrorCode.INVALID_REQUEST, 'the provided topic name maps to an id that was already supplied'));
      else {
        claimedIds.add(topic.topicId);
        doomed.set(topic.name, topic);
        results.push(result(topic.name, topic.topicId, ErrorCode.NONE, null));
      }
    }
  }
  return { results, doomed };
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: 20,
  minVersion: 1,
  maxVersion: 6,
  async handle(ctx, request) {
    const { broker } = ctx;
    if (!broker.config.deleteTopicEnable) {
      const code = ctx.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      const responses = entries(request).map((e) => result(e.name, e.topicId, code, 'topic deletion is disabled (delete.topic.enable=false)'));
      return { ...defaultDeleteTopicsResponse(), responses };
    }
    const { results, doomed } = resolve(ctx, request);
    if (doomed.size > 0) {
      try {
        await broker.controller.deleteTopics([...doomed.keys()]);
        for (const t of doomed.values()) broker.logger.info({ topic: t.name, topicId: t.topicId }, 'deleted topic');
      } catch (err) {
        broker.logger.error({ err, topics: [...doomed.keys()], correlationId: ctx.correlationId }, 'deleting topics failed');
        for (const r of results) {
          if (r.errorCode === ErrorCode.NONE) Object.assign(r, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'unexpected server error; see the broker log' });
        }
      }
    }
    return { ...defaultDeleteTopicsResponse(), responses: results };
  },
});
