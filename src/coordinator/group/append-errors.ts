/**
 * What a client is told when a write to `__consumer_offsets` fails, as Kafka's CoordinatorRuntime
 * maps it (CoordinatorOperationExceptionHelper): the partition's storage problems become coordinator
 * errors, which send the client back to FindCoordinator and a retry.
 */
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';

/**
 * The code for a failed append. Commits answer INVALID_COMMIT_OFFSET_SIZE for a batch the log refuses
 * as too large (the offsets can be retried in smaller requests); every other operation answers
 * UNKNOWN_SERVER_ERROR for it.
 */
export function appendErrorCode(err: unknown, isOffsetCommit = false): ErrorCode {
  const code = errorCodeOf(err);
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return isOffsetCommit ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}
