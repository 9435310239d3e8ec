/**
 * The errors the client throws, each saying in one line what failed and where:
 *
 * - BrokerConnectionError: no connection to a broker (refused, timed out, reset, closed), or a
 *   request that got no answer within its timeout. `isConnectFailure` tells "nothing is
 *   listening there" apart from "the broker went away".
 * - UnsupportedApiError: the broker does not serve an API, or no version both sides know.
 * - KafkaResponseError: the broker answered with an error code for a topic, partition or config
 *   resource; it carries Kafka's name and description of the code and the broker's own message.
 */
import { errorMessage, errorName } from '../protocol/error-codes.js';

export class BrokerConnectionError extends Error {
  override readonly name = 'BrokerConnectionError';

  constructor(
    /** `host:port` of the broker. */
    readonly address: string,
    message: string,
    /** The socket error code (ECONNREFUSED, ETIMEDOUT, ...) when there was one. */
    readonly code: string | undefined,
    /** True when the connection was never established. */
    readonly isConnectFailure: boolean,
  ) {
    super(message);
  }
}

const CONNECT_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

/** A BrokerConnectionError for a socket error raised while connecting. */
export function connectFailure(address: string, err: NodeJS.ErrnoException): BrokerConnectionError {
  const reason = (err.code !== undefined ? CONNECT_REASONS[err.code] : undefined) ?? err.message;
  return new BrokerConnectionError(address, `no broker at ${address}: ${reason}`, err.code, true);
}

export class UnsupportedApiError extends Error {
  override readonly name = 'UnsupportedApiError';

  constructor(readonly apiName: string, message: string) {
    super(message);
  }
}

export class KafkaResponseError extends Error {
  override readonly name = 'KafkaResponseError';
  /** Kafka's name for the code (TOPIC_ALREADY_EXISTS). */
  readonly errorName: string;

  constructor(
    readonly code: number,
    /** What the error is about: `topic orders`, `partition orders-2`, `config of topic orders`. */
    readonly resource: string,
    /** The broker's errorMessage, when the response carried one. */
    readonly detail: string | null = null,
  ) {
    const kafkaMessage = errorMessage(code);
    const extra = detail !== null && detail !== '' && detail !== kafkaMessage ? ` (${detail})` : '';
    super(`${resource}: ${errorName(code)}: ${kafkaMessage}${extra}`);
    this.errorName = errorName(code);
  }
}

/** Throws a KafkaResponseError unless `code` is NONE (0). */
export function throwIfError(code: number, resource: string, detail: string | null = null): void {
  if (code !== 0) throw new KafkaResponseError(code, resource, detail);
}
