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
 * v7+ incremental fetch sessions (KIP-227): epoch 0 opens a session (full request and answer);
 * later requests name only changed partitions (plus forgotten ones) and get only partitions with
 * news; epoch -1 is a session-less full fetch. An unknown session answers
 * FETCH_SESSION_ID_NOT_FOUND, a wrong epoch INVALID_FETCH_SESSION_EPOCH (top-level error code).
 * v9+ checks currentLeaderEpoch (KIP-320); v12+ lastFetchedEpoch is accepted (replication uses it);
 * v13+ names topics by id (KIP-516), an unknown id answering UNKNOWN_TOPIC_ID.
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/error-codes.js';
import {
  type FetchRequest, type FetchResponse, type FetchResponseFetchableTopicResponse, type FetchResponsePartitionData,
  defaultFetchResponse, defaultFetchResponsePartitionData,
} from '../../protocol/generated/index.js';
import type { DelayedOperation } from '../delayed/delayed-operation-purgatory.js';
import { FINAL_EPOCH, type FetchSession, INITIAL_EPOCH, NO_SESSION_ID, type SessionPartition } from '../fetch-session-cache.js';
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

function resolveTopic(ctx: RequestContext, name: string, topicId: string): { name: string; topicId: string; known: boolean } {
  const cache = ctx.broker.metadataCache;
  const record = ctx.apiVersion >= TOPIC_IDS_FROM_VERSION ? cache.topicById(topicId) : cache.topic(name);
  return { name: record?.name ?? name, topicId: record?.topicId ?? topicId, known: record !== undefined };
}

function planTopics(ctx: RequestContext, request: FetchRequest): TopicPlan[] {
  return request.topics.map((t) => {
    const resolved = resolveTopic(ctx, t.topic, t.topicId);
    return {
      topic: resolved.name,
      topicId: resolved.topicId,
      known: resolved.known,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch,
      })),
    };
  });
}

/** Applies an incremental request to its session: changed partitions updated, forgotten ones removed. */
function updateSession(ctx: RequestContext, session: FetchSession, request: FetchRequest): void {
  for (const t of request.topics) {
    const resolved = resolveTopic(ctx, t.topic, t.topicId);
    for (const p of t.partitions) {
      const key = partitionKey(resolved.name, p.partition);
      const cached = session.partitions.get(key);
      if (cached) {
        cached.fetchOffset = p.fetchOffset;
        cached.maxBytes = p.partitionMaxBytes;
        cached.currentLeaderEpoch = p.currentLeaderEpoch;
      } else {
        session.partitions.set(key, newSessionPartition(resolved.name, resolved.topicId, p.partition, p.fetchOffset, p.partitionMaxBytes, p.currentLeaderEpoch));
      }
    }
  }
  for (const f of request.forgottenTopicsData) {
    const resolved = resolveTopic(ctx, f.topic, f.topicId);
    for (const partition of f.partitions) session.partitions.delete(partitionKey(resolved.name, partition));
  }
}

function newSessionPartition(topic: string, topicId: string, partition: number, fetchOffset: number, maxBytes: number, currentLeaderEpoch: number): SessionPartition {
  return { topic, topicId, partition, fetchOffset, maxBytes, currentLeaderEpoch, sentHighWatermark: -1, sentLogStartOffset: -1, sentLastStableOffset: -1 };
}

/** The session's partitions as a fetch plan, grouped by topic in session order. */
function planFromSession(ctx: RequestContext, session: FetchSession): TopicPlan[] {
  const plans: { topic: string; topicId: string; known: boolean; partitions: PartitionPlan[] }[] = [];
  for (const p of session.partitions.values()) {
    let plan = plans[plans.length - 1];
    if (!plan || plan.topic !== p.topic) {
      // A topic deleted and created again under its name is another topic to a session that uses ids.
      const current = ctx.broker.metadataCache.topic(p.topic);
      const known = current !== undefined && (ctx.apiVersion < TOPIC_IDS_FROM_VERSION || current.topicId === p.topicId);
      plan = { topic: p.topic, topicId: p.topicId, known, partitions: [] };
      plans.push(plan);
    }
    plan.partitions.push({ partitionIndex: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.maxBytes, currentLeaderEpoch: p.currentLeaderEpoch });
  }
  return plans;
}

/** Records what was sent; keeps in an incremental answer only partitions with something new. */
function filterForSession(session: FetchSession, responses: FetchResponseFetchableTopicResponse[], incremental: boolean): FetchResponseFetchableTopicResponse[] {
  const out: FetchResponseFetchableTopicResponse[] = [];
  for (const topic of responses) {
    const kept = topic.partitions.filter((data) => {
      const cached = session.partitions.get(partitionKey(topic.topic, data.partitionIndex));
      if (!cached) return true;
      const changed = data.highWatermark !== cached.sentHighWatermark || data.logStartOffset !== cached.sentLogStartOffset || data.lastStableOffset !== cached.sentLastStableOffset;
      cached.sentHighWatermark = data.highWatermark;
      cached.sentLogStartOffset = data.logStartOffset;
      cached.sentLastStableOffset = data.lastStableOffset;
      return !incremental || changed || data.errorCode !== ErrorCode.NONE || (data.records !== null && data.records.length > 0);
    });
    if (kept.length > 0) out.push({ ...topic, partitions: kept });
  }
  return out;
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
        const data = await rm.read(partition, p.fetchOffset, limit, request.isolationLevel, bytes === 0, ctx.readBuffers);
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

interface FetchPlan {
  readonly plans: TopicPlan[];
  readonly session: FetchSession | null;
  readonly incremental: boolean;
}

/** Works out what to read from the session fields (KIP-227), or the top-level error to answer. */
function planFetch(ctx: RequestContext, request: FetchRequest): FetchPlan | number {
  const sessions = ctx.broker.fetchSessions;
  const now = ctx.broker.clock();
  if (ctx.apiVersion < 7) return { plans: planTopics(ctx, request), session: null, incremental: false };
  if (request.sessionEpoch === FINAL_EPOCH) {
    if (request.sessionId !== NO_SESSION_ID) sessions.remove(request.sessionId);
    return { plans: planTopics(ctx, request), session: null, incremental: false };
  }
  if (request.sessionEpoch === INITIAL_EPOCH) {
    if (request.sessionId !== NO_SESSION_ID) sessions.remove(request.sessionId);
    const plans = planTopics(ctx, request);
    const session = sessions.create(now);
    if (session) {
      for (const t of plans) {
        for (const p of t.partitions) {
          session.partitions.set(partitionKey(t.topic, p.partitionIndex), newSessionPartition(t.topic, t.topicId, p.partitionIndex, p.fetchOffset, p.maxBytes, p.currentLeaderEpoch));
        }
      }
    }
    return { plans, session, incremental: false };
  }
  const session = sessions.get(request.sessionId, now);
  if (!session) return ErrorCode.FETCH_SESSION_ID_NOT_FOUND;
  if (request.sessionEpoch !== session.nextEpoch) {
    sessions.remove(session.id);
    return ErrorCode.INVALID_FETCH_SESSION_EPOCH;
  }
  session.nextEpoch = session.nextEpoch >= 0x7fffffff ? 1 : session.nextEpoch + 1;
  updateSession(ctx, session, request);
  return { plans: planFromSession(ctx, session), session, incremental: true };
}

function respond(plan: FetchPlan, result: ReadResult): FetchResponse {
  if (!plan.session) return { ...defaultFetchResponse(), responses: result.responses };
  return { ...defaultFetchResponse(), sessionId: plan.session.id, responses: filterForSession(plan.session, result.responses, plan.incremental) };
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, request) {
    const plan = planFetch(ctx, request);
    if (typeof plan === 'number') return { ...defaultFetchResponse(), errorCode: plan, sessionId: NO_SESSION_ID };
    const plans = plan.plans;
    const first = await readAll(ctx, plans, request);
    const minBytes = Math.max(1, request.minBytes);
    if (first.hasError || first.bytes >= minBytes || request.maxWaitMs <= 0 || plans.length === 0) {
      return respond(plan, first);
    }
    const keys = plans.filter((p) => p.known).flatMap((p) => p.partitions.map((x) => partitionKey(p.topic, x.partitionIndex)));
    await new Promise<void>((resolve) => {
      ctx.broker.replicaManager.fetchPurgatory.add(new DelayedFetch(keys, ctx.broker.clock() + request.maxWaitMs, first.bytes, minBytes, resolve));
    });
    return respond(plan, await readAll(ctx, plans, request));
  },
});
