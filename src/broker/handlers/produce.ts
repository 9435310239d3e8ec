/**
 * Produce (key 0), versions 3-11: the versions that carry record format v2 (Kafka 4.0 removed
 * v0-2, KIP-896). Per partition the records are validated from batch headers alone (framing,
 * CRC32C, max.message.bytes) and appended; the answer is the base offset, the LogAppendTime when
 * the topic stamps it, and the log start offset (v5+), or Kafka's error code for that partition:
 * UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, CORRUPT_MESSAGE, MESSAGE_TOO_LARGE,
 * RECORD_LIST_TOO_LARGE, INVALID_RECORD, KAFKA_STORAGE_ERROR. `errorMessage` is filled from v8.
 *
 * Idempotent batches (a producer id set, KIP-98) are checked against the partition's producer
 * state first: a retry of one of the producer's last five batches answers NONE with that batch's
 * original base offset and writes nothing; a fenced epoch answers INVALID_PRODUCER_EPOCH and a
 * sequence gap OUT_OF_ORDER_SEQUENCE_NUMBER (see ProducerStateManager).
 *
 * acks: 1 and -1 answer once the records are in the leader's log — on a single node that is also
 * every in-sync replica; acks=0 takes no response, and a failure then closes the connection so
 * the client notices, as Kafka does. Any other acks value gets INVALID_REQUIRED_ACKS.
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/error-codes.js';
import {
  type ProduceRequest, type ProduceResponse, type ProduceResponsePartitionProduceResponse,
  defaultProduceResponse, defaultProduceResponsePartitionProduceResponse,
} from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

function failed(index: number, code: number, message: string | null): ProduceResponsePartitionProduceResponse {
  return { ...defaultProduceResponsePartitionProduceResponse(), index, errorCode: code, errorMessage: message };
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  minVersion: 3,
  maxVersion: 11,
  handle(ctx, request) {
    const { broker } = ctx;
    const acksValid = request.acks === -1 || request.acks === 0 || request.acks === 1;
    let firstError: string | null = null;
    const responses = request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((data) => {
        if (!acksValid) return failed(data.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${request.acks}`);
        try {
          const partition = broker.replicaManager.leaderPartition(topic.name, data.index);
          if (data.records === null) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'records are null');
          const info = broker.replicaManager.appendRecords(partition, data.records);
          return {
            ...defaultProduceResponsePartitionProduceResponse(),
            index: data.index,
            baseOffset: info.firstOffset,
            logAppendTimeMs: info.logAppendTime,
            logStartOffset: info.logStartOffset,
          };
        } catch (err) {
          const code = errorCodeOf(err);
          if (!(err instanceof KafkaError)) broker.logger.error({ err, topic: topic.name, partition: data.index, correlationId: ctx.correlationId }, 'produce failed unexpectedly');
          const message = err instanceof Error ? err.message : String(err);
          firstError ??= `${topic.name}-${data.index}: ${message}`;
          return failed(data.index, code, message);
        }
      }),
    }));
    if (request.acks === 0) {
      if (firstError !== null) ctx.closeConnection(`acks=0 produce failed: ${firstError}`);
      return null;
    }
    return { ...defaultProduceResponse(), responses };
  },
});
