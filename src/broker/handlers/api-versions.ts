/**
 * ApiVersions (key 18), versions 0-4. Lists every API this broker serves with its version range,
 * straight from the dispatch table, so what is advertised is what is handled — with one exception
 * Kafka 4.0 makes too (KAFKA-18659): Produce is advertised from v0 although v0-2 are gone
 * (KIP-896) and still close the connection. librdkafka up to 2.11 compresses gzip, snappy and lz4
 * only when the broker's Produce range includes v0, and sends every batch uncompressed otherwise
 * (librdkafka issue 4956); clients pick the highest common version, so none picks v0-2 from this.
 * A request at a version this broker does not know is answered by the connection itself with
 * UNSUPPORTED_VERSION in a v0 body (KIP-511), so the client can retry at a version listed there.
 * v3+ (KIP-511) carries client software name/version, accepted and logged at debug level.
 */
import { type ApiVersionsRequest, type ApiVersionsResponse, defaultApiVersionsResponse } from '../../protocol/generated/index.js';
import { type ApiVersionRange, defineHandler } from '../api-handler.js';

const PRODUCE_KEY = 0;

/** The ranges to advertise for the ranges served (see the module comment for Produce). */
export function advertisedApiVersions(served: readonly ApiVersionRange[]): ApiVersionRange[] {
  return served.map((a) => ({ apiKey: a.apiKey, minVersion: a.apiKey === PRODUCE_KEY ? 0 : a.minVersion, maxVersion: a.maxVersion }));
}

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx) {
    return {
      ...defaultApiVersionsResponse(),
      apiKeys: advertisedApiVersions(ctx.broker.apiVersions()),
    };
  },
});
