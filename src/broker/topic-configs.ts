/**
 * A topic's configs as Kafka reports them (CreateTopics v5+, DescribeConfigs): every topic-level
 * setting with its effective value and where that value comes from — the topic's own override,
 * the broker's static setting of the synonym, or Kafka's default.
 */
import { LOG_CONFIG_DEFINITIONS, type LogConfigDefinition } from '../storage/log-config.js';
import type { BrokerConfig } from './broker-config.js';

/** DescribeConfigs ConfigSource values. */
export const CONFIG_SOURCE_DYNAMIC_TOPIC = 1;
export const CONFIG_SOURCE_STATIC_BROKER = 4;
export const CONFIG_SOURCE_DEFAULT = 5;

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string;
  readonly source: number;
}

export interface DescribedConfig {
  readonly name: string;
  readonly value: string;
  readonly source: number;
  readonly readOnly: boolean;
  readonly isSensitive: boolean;
  readonly isDefault: boolean;
  readonly type: number;
  readonly documentation: string | null;
  /** Most specific first, as Kafka orders them. */
  readonly synonyms: readonly ConfigSynonym[];
}

/** DescribeConfigs ConfigType values (v3+). */
const CONFIG_TYPE: Readonly<Record<string, number>> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7 };

function brokerValue(config: BrokerConfig, d: LogConfigDefinition): string | undefined {
  return config.properties.get(d.brokerName);
}

export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): DescribedConfig[] {
  return LOG_CONFIG_DEFINITIONS.map((d) => {
    const synonyms: ConfigSynonym[] = [];
    const own = overrides[d.name];
    if (own !== undefined) synonyms.push({ name: d.name, value: own, source: CONFIG_SOURCE_DYNAMIC_TOPIC });
    const fromBroker = brokerValue(config, d);
    if (fromBroker !== undefined) synonyms.push({ name: d.brokerName, value: fromBroker, source: CONFIG_SOURCE_STATIC_BROKER });
    synonyms.push({ name: d.brokerName, value: d.defaultValue, source: CONFIG_SOURCE_DEFAULT });
    const effective = synonyms[0]!;
    return {
      name: d.name,
      value: effective.value,
      source: effective.source,
      readOnly: false,
      isSensitive: false,
      isDefault: effective.source === CONFIG_SOURCE_DEFAULT,
      type: CONFIG_TYPE[d.type] ?? 0,
      documentation: null,
      synonyms,
    };
  });
}
