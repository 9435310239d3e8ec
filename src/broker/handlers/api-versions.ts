/**
 * ApiVersions (key 18), versions 0-4. Lists every API this broker serves with its version range,
 * straight from the dispatch table, so what is advertised is exactly what is handled.
 * A request at a version this broker does not know is answered by the connection itself with
 * UNSUPPORTED_VERSION in a v0 body (KIP-511), so the client can retry at a version listed there.
 * v3+ (KIP-511) carries client software name/version, accepted and logged at debug level.
 */
import { type ApiVersionsRequest, type ApiVersionsResponse, defaultApiVersionsResponse } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx) {
    return {
      ...defaultApiVersionsResponse(),
      apiKeys: ctx.broker.apiVersions().map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
    };
  },
});
