/**
 * AlterConfigs (key 33), versions 0-2. The older, non-incremental way to change configs: each
 * resource's configs in the request become its complete set of overrides, and overrides it does
 * not name are removed (IncrementalAlterConfigs changes single keys instead).
 *   - topic (type 2): values checked (INVALID_CONFIG), then the topic (UNKNOWN_TOPIC_OR_PARTITION);
 *     stored through the Controller and applied to the topic's live logs at once.
 *   - broker (type 4, this node's id or ""): the settings are static, so setting any of them gets
 *     INVALID_REQUEST, as Kafka answers for a config it cannot update dynamically.
 * A resource named twice, a key named twice and a null value get INVALID_REQUEST (Kafka's
 * ConfigAdminManager). `validateOnly` checks without changing anything.
 *
 * - v1: same as v0. v2: flexible encoding.
 */
import {
  type AlterConfigsRequest, type AlterConfigsResponse, defaultAlterConfigsResponse,
} from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { OP_SET, alterConfigResources } from '../config-resources.js';

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const alterations = request.resources.map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      replaceAll: true,
      ops: r.configs.map((c) => ({ name: c.name, op: OP_SET, value: c.value })),
    }));
    const results = await alterConfigResources(ctx.broker, alterations, request.validateOnly);
    return {
      ...defaultAlterConfigsResponse(),
      responses: request.resources.map((r, i) => ({ ...results[i]!, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
});
