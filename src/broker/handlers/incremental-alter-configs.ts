/**
 * IncrementalAlterConfigs (key 44), versions 0-1 (KIP-339). Per resource, per key, one operation:
 * SET (0) a value, DELETE (1) the override (back to the broker's or Kafka's default), APPEND (2)
 * or SUBTRACT (3) comma-separated items of a list config (cleanup.policy); APPEND / SUBTRACT of a
 * key without an override start from Kafka's default, and on a non-list key get INVALID_CONFIG.
 *   - topic (type 2): the resulting overrides are checked (INVALID_CONFIG), then the topic
 *     (UNKNOWN_TOPIC_OR_PARTITION); stored through the Controller and applied to the live logs.
 *   - broker (type 4, this node's id or ""): settings are static; SET / APPEND / SUBTRACT get
 *     INVALID_REQUEST as for a config Kafka cannot update dynamically, and DELETE of a dynamic
 *     value that was never set succeeds with nothing to do, as in Kafka.
 * A resource named twice, a key named twice, an unknown operation and a null value for anything
 * but DELETE get INVALID_REQUEST. `validateOnly` checks without changing anything.
 *
 * - v1: flexible encoding.
 */
import {
  type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse, defaultIncrementalAlterConfigsResponse,
} from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { alterConfigResources } from '../config-resources.js';

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const alterations = request.resources.map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      replaceAll: false,
      ops: r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })),
    }));
    const results = await alterConfigResources(ctx.broker, alterations, request.validateOnly);
    return {
      ...defaultIncrementalAlterConfigsResponse(),
      responses: request.resources.map((r, i) => ({ ...results[i]!, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
});
