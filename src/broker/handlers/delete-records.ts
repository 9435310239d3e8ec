/**
 * DeleteRecords (key 21), versions 0-2. Per partition, moves the log start offset forward to the
 * requested offset, so records before it are no longer readable (their segments are deleted by
 * the next retention pass), and answers the new low watermark: the log start offset, which on a
 * single replica is already where the request put it, so nothing waits on `timeoutMs`.
 *
 * - Offset -1 means the high watermark. An offset above the high watermark, or otherwise
 *   negative, gets OFFSET_OUT_OF_RANGE; one below the log start offset changes nothing.
 * - Internal topics get INVALID_TOPIC_EXCEPTION, and a topic whose cleanup.policy lacks
 *   `delete` POLICY_VIOLATION, as in Kafka; an unknown partition UNKNOWN_TOPIC_OR_PARTITION.
 *   A failed partition's low watermark is -1.
 * - v1: same as v0. v2: flexible encoding.
 */
import { isInternalTopic } from '../../cluster/controller.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type DeleteRecordsRequest, type DeleteRecordsResponse, type DeleteRecordsResponseDeleteRecordsPartitionResult,
  defaultDeleteRecordsResponse,
} from '../../protocol/generated/index.js';
import { CLEANUP_DELETE } from '../../storage/log-config.js';
import { type RequestContext, defineHandler } from '../api-handler.js';

const HIGH_WATERMARK = -1;

/** Moves the partition's log start offset; returns the new low watermark. */
function deleteRecords(ctx: RequestContext, topic: string, partitionIndex: number, offset: number): number {
  if (isInternalTopic(topic)) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot delete records of internal topic ${topic}`);
  const partition = ctx.broker.replicaManager.leaderPartition(topic, partitionIndex);
  const log = partition.log;
  if ((log.config.cleanupPolicy & CLEANUP_DELETE) === 0) {
    throw new KafkaError(ErrorCode.POLICY_VIOLATION, `records of ${partition.key} cannot be deleted: its cleanup.policy does not include delete`);
  }
  const target = offset === HIGH_WATERMARK ? log.highWatermark : offset;
  if (target < 0) throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${target} of ${partition.key} is not valid`);
  const before = log.logStartOffset;
  const lowWatermark = log.deleteRecordsBefore(target);
  if (lowWatermark > before) ctx.broker.logger.info({ partition: partition.key, logStartOffset: lowWatermark }, 'deleted records');
  return lowWatermark;
}

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, request) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): DeleteRecordsResponseDeleteRecordsPartitionResult => {
        try {
          return { partitionIndex: p.partitionIndex, lowWatermark: deleteRecords(ctx, t.name, p.partitionIndex, p.offset), errorCode: ErrorCode.NONE };
        } catch (err) {
          if (!(err instanceof KafkaError)) {
            ctx.broker.logger.error({ err, topic: t.name, partition: p.partitionIndex, correlationId: ctx.correlationId }, 'deleting records failed unexpectedly');
          }
          return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR };
        }
      }),
    }));
    return { ...defaultDeleteRecordsResponse(), topics };
  },
});
