/**
 * DescribeConfigs (key 32), versions 1-4 (Kafka 4.0 removed v0, KIP-896). Per resource:
 *   - topic (type 2): every topic config with its effective value and source — the topic's
 *     override (DYNAMIC_TOPIC_CONFIG), the broker's static setting (STATIC_BROKER_CONFIG) or
 *     Kafka's default (DEFAULT_CONFIG). An illegal name gets INVALID_TOPIC_EXCEPTION, an unknown
 *     topic UNKNOWN_TOPIC_OR_PARTITION.
 *   - broker (type 4): this node's id lists the broker's settings, all static and read-only; ""
 *     (the cluster-wide dynamic defaults) lists none, since there are no dynamic broker configs;
 *     another id gets INVALID_REQUEST, as in Kafka.
 *   - any other type gets INVALID_REQUEST.
 * `configurationKeys` null or empty means every key; otherwise only those named.
 *
 * - v1+: synonyms (KIP-226) when `includeSynonyms`, most specific first.
 * - v3+: each config's type and, when `includeDocumentation`, its documentation (KIP-569).
 * - v4: flexible encoding.
 */
import { validateTopicName } from '../../cluster/controller.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  type DescribeConfigsRequest, type DescribeConfigsRequestDescribeConfigsResource, type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResult, defaultDescribeConfigsResponse, defaultDescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/index.js';
import { type BrokerServices, defineHandler } from '../api-handler.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC, checkBrokerResourceName, describeBrokerConfigs } from '../config-resources.js';
import { type DescribedConfig, describeTopicConfigs } from '../topic-configs.js';

function describedConfigs(broker: BrokerServices, resource: DescribeConfigsRequestDescribeConfigsResource): readonly DescribedConfig[] {
  switch (resource.resourceType) {
    case RESOURCE_TOPIC: {
      validateTopicName(resource.resourceName);
      const topic = broker.metadataCache.topic(resource.resourceName);
      if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${resource.resourceName} does not exist`);
      return describeTopicConfigs(broker.config, topic.configs);
    }
    case RESOURCE_BROKER:
      checkBrokerResourceName(resource.resourceName, broker.nodeId);
      return resource.resourceName === '' ? [] : describeBrokerConfigs(broker.config);
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `unsupported resource type ${resource.resourceType}; this broker has topic (2) and broker (4) configs`);
  }
}

function describeResource(
  broker: BrokerServices, resource: DescribeConfigsRequestDescribeConfigsResource, includeSynonyms: boolean, includeDocumentation: boolean,
): DescribeConfigsResponseDescribeConfigsResult {
  const result = { ...defaultDescribeConfigsResponseDescribeConfigsResult(), resourceType: resource.resourceType, resourceName: resource.resourceName };
  const wanted = resource.configurationKeys === null || resource.configurationKeys.length === 0 ? null : new Set(resource.configurationKeys);
  const configs = describedConfigs(broker, resource)
    .filter((c) => wanted === null || wanted.has(c.name))
    .map((c) => ({
      name: c.name,
      value: c.isSensitive ? null : c.value,
      readOnly: c.readOnly,
      isDefault: c.isDefault,
      configSource: c.source,
      isSensitive: c.isSensitive,
      synonyms: includeSynonyms ? c.synonyms.map((s) => ({ name: s.name, value: c.isSensitive ? null : s.value, source: s.source })) : [],
      configType: c.type,
      documentation: includeDocumentation ? c.documentation : null,
    }));
  return { ...result, configs };
}

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: 32,
  minVersion: 1,
  maxVersion: 4,
  handle(ctx, request) {
    const { broker } = ctx;
    const results = request.resources.map((resource) => {
      try {
        return describeResource(broker, resource, request.includeSynonyms, request.includeDocumentation);
      } catch (err) {
        if (!(err instanceof KafkaError)) {
          broker.logger.error({ err, resourceType: resource.resourceType, resourceName: resource.resourceName, correlationId: ctx.correlationId }, 'describing configs failed unexpectedly');
        }
        return {
          ...defaultDescribeConfigsResponseDescribeConfigsResult(),
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          errorCode: err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR,
          errorMessage: err instanceof KafkaError ? err.message : 'unexpected server error; see the broker log',
        };
      }
    });
    return { ...defaultDescribeConfigsResponse(), results };
  },
});
