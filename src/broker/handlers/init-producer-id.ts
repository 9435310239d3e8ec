/**
 * InitProducerId (key 22), versions 0-5: gives a producer the id and epoch it stamps on its
 * batches (KIP-98).
 *
 * Without a transactional id (idempotent producers) Kafka answers every request with a fresh
 * producer id at epoch 0, whatever producer id and epoch it carries; so does this broker. Ids come
 * from blocks reserved durably in the metadata store, so none is handed out twice, even across
 * restarts. KIP-360's epoch bump for an idempotent producer happens in the client, which then
 * starts the new epoch at sequence 0; the broker accepts it (see ProducerStateManager).
 *
 * With a transactional id the transaction coordinator answers. There is none yet, so the request
 * gets NOT_COORDINATOR: what a Kafka broker answers when it does not hold the transaction state of
 * that id (TransactionStateManager), which sends the client to FindCoordinator and a retry. An empty
 * transactional id is INVALID_REQUEST, as in Kafka.
 *
 * Per version: v2+ flexible; v3+ (KIP-360) carries producerId/producerEpoch, which must be both
 * -1 or both set (else INVALID_REQUEST, as Kafka); v4 allows PRODUCER_FENCED in answers; v5 is
 * KIP-890's. Errors answer producer id -1 and epoch -1.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type InitProducerIdRequest, type InitProducerIdResponse, defaultInitProducerIdResponse,
} from '../../protocol/generated/index.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from '../../protocol/record-batch/index.js';
import { defineHandler } from '../api-handler.js';

function failed(errorCode: number): InitProducerIdResponse {
  return { ...defaultInitProducerIdResponse(), errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    if ((request.producerId === NO_PRODUCER_ID) !== (request.producerEpoch === NO_PRODUCER_EPOCH)) {
      return failed(ErrorCode.INVALID_REQUEST);
    }
    if (request.transactionalId !== null) {
      return failed(request.transactionalId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.NOT_COORDINATOR);
    }
    try {
      const producerId = await ctx.broker.producerIdManager.generateProducerId();
      return { ...defaultInitProducerIdResponse(), producerId, producerEpoch: 0 };
    } catch (err) {
      if (err instanceof KafkaError) return failed(err.code);
      ctx.broker.logger.error({ err, correlationId: ctx.correlationId }, 'cannot reserve producer ids');
      return failed(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  },
});
