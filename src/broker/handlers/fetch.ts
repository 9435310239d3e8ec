/**
 * Fetch (key 1), versions 4-17: the versions that carry record format v2 (Kafka 4.0 removed v0-3).
 *
 * Partitions are read in request order, each up to its `partitionMaxBytes` and together up to the
 * request's `maxBytes` (capped by fetch.max.bytes); the first partition that returns data gets at
 * least one whole batch however large (KIP-74). Stored bytes are sent as they are. Consumers read
 * up to the high watermark; `isolation_level` is accepted (read_committed reads up to the last
 * stable offset, which equals the high watermark until transactions exist).
 *
 * Long poll: when fewer than `minBytes` are available and `maxWaitMs` > 0, the request waits in
 * the fetch purgatory until appends to its partitions bring enough bytes or the wait ends.
 *
 * v7+ fetch sessions (KIP-227): this broker creates no sessions — it answers session id 0, which
 * tells the client to keep sending full fetch requests, a behaviour KIP-227 allows.
 * v9+ checks currentLeaderEpoch (KIP-320); v12+ lastFetchedEpoch is accepted (replication uses it);
 * v13+ names topics by id (KIP-516), an unknown id answering UNKNOWN_TOPIC_ID.
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/error-codes.js';
import {
  type FetchRequest, type FetchResponse, type FetchResponseFetchableTopicResponse, type FetchResponsePartitionData,
  defaultFetchResponse, defaultFetchResponsePartitionData,
} from '../../protocol/generated/index.js';
import type { DelayedOperation } from '../delayed/delayed-operation-purgatory.js';
import { ISOLATION_READ_COMMITTED, type Partition, partitionKey } from '../replica-manager.js';
import { defineHandler, type RequestContext } from '../api-handler.js';

const TOPIC_IDS_FROM_VERSION = 13;

interface PartitionPlan {
  readonly partitionIndex: number;
  readonly fetchOffset: number;
  readonly maxBytes: number;
  readonly currentLeaderEpoch: number;
}

interface TopicPlan {
  readonly topic: string;
  readonly topicId: string;
  readonly known: boolean;
  readonly partitions: readonly PartitionPlan[];
}

function planTopics(ctx: RequestContext, request: FetchRequest): TopicPlan[] {
  const cache = ctx.broker.metadataCache;
  return request.topics.map((t) => {
    const byId = ctx.apiVersion >= TOPIC_IDS_FROM_VERSION;
    const record = byId ? cache.topicById(t.topicId) : cache.topic(t.topic);
    return {
      topic: record?.name ?? t.topic,
      topicId: record?.topicId ?? t.topicId,
      known: record !== undefined,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch,
      })),
    };
  });
}

function errorData(partitionIndex: number, code: number): FetchResponsePartitionData {
  return { ...defaultFetchResponsePartitionData(), partitionIndex, errorCode: code, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null };
}

interface ReadResult {
  readonly responses: FetchResponseFetchableTopicResponse[];
  readonly bytes: number;
  readonly hasError: boolean;
}

async function readAll(ctx: RequestContext, plans: readonly TopicPlan[], request: FetchRequest): Promise<ReadResult> {
  const rm = ctx.broker.replicaManager;
  let budget = Math.min(request.maxBytes, ctx.broker.config.fetchMaxBytes);
  let bytes = 0;
  let hasError = false;
  const responses: FetchResponseFetchableTopicResponse[] = [];
  for (const plan of plans) {
    const partitions: FetchResponsePartitionData[] = [];
    for (const p of plan.partitions) {
      if (!plan.known) {
        hasError = true;
        partitions.push(errorData(p.partitionIndex, ctx.apiVersion >= TOPIC_IDS_FROM_VERSION ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      let partition: Partition;
      try {
        partition = rm.leaderPartition(plan.topic, p.partitionIndex);
        partition.checkLeaderEpoch(p.currentLeaderEpoch);
      } catch (err) {
        hasError = true;
        partitions.push(errorData(p.partitionIndex, errorCodeOf(err)));
        continue;
      }
      const log = partition.log;
      const base = {
        ...defaultFetchResponsePartitionData(),
        partitionIndex: p.partitionIndex,
        highWatermark: log.highWatermark,
        lastStableOffset: log.highWatermark,
        logStartOffset: log.logStartOffset,
        abortedTransactions: request.isolationLevel === ISOLATION_READ_COMMITTED ? [] : null,
      };
      try {
        const limit = Math.max(0, Math.min(p.maxBytes, budget));
        const data = await rm.read(partition, p.fetchOffset, limit, request.isolationLevel, bytes === 0);
        bytes += data.records.length;
        budget -= data.records.length;
        partitions.push({ ...base, records: data.records });
      } catch (err) {
        hasError = true;
        if (!(err instanceof KafkaError)) ctx.broker.logger.error({ err, topic: plan.topic, partition: p.partitionIndex, correlationId: ctx.correlationId }, 'fetch failed unexpectedly');
        partitions.push({ ...base, errorCode: errorCodeOf(err), records: null });
      }
    }
    responses.push({ topic: plan.topic, topicId: plan.topicId, partitions });
  }
  return { responses, bytes, hasError };
}

/** A long-poll fetch waiting for `minBytes` to arrive on its partitions. */
class DelayedFetch implements DelayedOperation {
  private accumulated: number;
  private done = false;

  constructor(
    readonly keys: readonly string[],
    readonly deadlineMs: number,
    initialBytes: number,
    private readonly minBytes: number,
    private readonly complete: () => void,
  ) {
    this.accumulated = initialBytes;
  }

  tryComplete(_key: string, bytes: number): boolean {
    this.accumulated += bytes;
    if (this.accumulated < this.minBytes) return false;
    this.forceComplete();
    return true;
  }

  forceComplete(): void {
    if (this.done) return;
    this.done = true;
    this.complete();
  }
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, request) {
    const plans = planTopics(ctx, request);
    const first = await readAll(ctx, plans, request);
    const minBytes = Math.max(1, request.minBytes);
    if (first.hasError || first.bytes >= minBytes || request.maxWaitMs <= 0 || plans.length === 0) {
      return { ...defaultFetchResponse(), responses: first.responses };
    }
    const keys = plans.filter((p) => p.known).flatMap((p) => p.partitions.map((x) => partitionKey(p.topic, x.partitionIndex)));
    await new Promise<void>((resolve) => {
      ctx.broker.replicaManager.fetchPurgatory.add(new DelayedFetch(keys, ctx.broker.clock() + request.maxWaitMs, first.bytes, minBytes, resolve));
    });
    const second = await readAll(ctx, plans, request);
    return { ...defaultFetchResponse(), responses: second.responses };
  },
});
