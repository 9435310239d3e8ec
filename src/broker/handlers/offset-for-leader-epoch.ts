/**
 * OffsetForLeaderEpoch (key 23), versions 2-4 (Kafka 4.0 removed v0-1, KIP-896). Per partition,
 * the end offset of the requested leader epoch in the leader's log (KIP-101, KIP-279): the start
 * offset of the next epoch, or the log end offset for the latest epoch, with the largest epoch
 * at or below the one asked. Consumers use it to detect truncation after a leader change
 * (KIP-320), followers to find where their log diverged.
 *
 * - An epoch newer than any the log recorded, or an empty epoch cache, answers epoch -1 and
 *   offset -1 with no error, as Kafka does. An epoch older than the first one recorded answers
 *   itself with the first epoch's start offset, also as Kafka does.
 * - `currentLeaderEpoch` (v2+, -1 for unchecked) older than the partition's gets
 *   FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH; a partition this broker hosts but does not
 *   lead NOT_LEADER_OR_FOLLOWER, an unknown one UNKNOWN_TOPIC_OR_PARTITION.
 * - v3+: `replicaId` names the asking follower (-1 for a consumer); the answer is the same.
 * - v4: flexible encoding.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  type OffsetForLeaderEpochResponse, type OffsetForLeaderEpochResponseEpochEndOffset,
  defaultOffsetForLeaderEpochResponse, defaultOffsetForLeaderEpochResponseEpochEndOffset,
} from '../../protocol/generated/index.js';
import { type RequestContext, defineHandler } from '../api-handler.js';

function endOffset(ctx: RequestContext, topic: string, p: OffsetForLeaderEpochRequestOffsetForLeaderPartition): OffsetForLeaderEpochResponseEpochEndOffset {
  const { broker } = ctx;
  const answer = { ...defaultOffsetForLeaderEpochResponseEpochEndOffset(), partition: p.partition };
  const partition = broker.replicaManager.getPartition(topic, p.partition);
  if (!partition) {
    const known = broker.metadataCache.topic(topic)?.partitions.some((s) => s.partition === p.partition) ?? false;
    throw new KafkaError(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `this broker does not host ${topic}-${p.partition}`);
  }
  partition.checkLeaderEpoch(p.currentLeaderEpoch);
  if (partition.state.leader !== broker.nodeId) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker is not the leader of ${partition.key}`);
  const log = partition.log;
  const found = log.leaderEpochCache.endOffsetFor(p.leaderEpoch, log.logEndOffset);
  if (found.endOffset < 0) return answer;
  return { ...answer, leaderEpoch: found.epoch, endOffset: found.endOffset };
}

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, request) {
    const topics = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        try {
          return endOffset(ctx, t.topic, p);
        } catch (err) {
          if (!(err instanceof KafkaError)) {
            ctx.broker.logger.error({ err, topic: t.topic, partition: p.partition, correlationId: ctx.correlationId }, 'looking up a leader epoch failed unexpectedly');
          }
          const errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
          return { ...defaultOffsetForLeaderEpochResponseEpochEndOffset(), partition: p.partition, errorCode };
        }
      }),
    }));
    return { ...defaultOffsetForLeaderEpochResponse(), topics };
  },
});
