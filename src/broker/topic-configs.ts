/**
 * A topic's configs as Kafka reports them (CreateTopics v5+, DescribeConfigs): every topic-level
 * setting with its effective value and where that value comes from — the topic's own override,
 * the broker's static setting of a synonym (`log.retention.hours` for `retention.ms` too, as in
 * Kafka), or Kafka's default — with its type and documentation (DescribeConfigs v3+, KIP-569).
 */
import { LOG_CONFIG_DEFINITIONS, type LogConfigDefinition, formatValue } from '../storage/log-config.js';
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
export const CONFIG_TYPE: Readonly<Record<string, number>> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7 };

/** Broker settings that supply a topic config, most specific first, where there is more than one. */
const COARSER_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  'retention.ms': ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  'segment.ms': ['log.roll.ms', 'log.roll.hours'],
};

/** The broker property names that can set a topic config's broker-level value, most specific first. */
export function brokerSynonymNames(d: LogConfigDefinition): readonly string[] {
  return COARSER_SYNONYMS[d.name] ?? [d.brokerName];
}

/** The synonyms set in the broker's static configuration, most specific first. */
export function staticBrokerSynonyms(config: BrokerConfig, d: LogConfigDefinition): ConfigSynonym[] {
  const synonyms: ConfigSynonym[] = [];
  for (const name of brokerSynonymNames(d)) {
    const value = config.properties.get(name);
    if (value !== undefined) synonyms.push({ name, value, source: CONFIG_SOURCE_STATIC_BROKER });
  }
  return synonyms;
}

const TOPIC_CONFIG_DOCS: Readonly<Record<string, string>> = {
  'segment.bytes': 'Size in bytes at which the active segment file is closed and a new one started.',
  'segment.ms': 'Time after which the active segment is rolled even if it is not full, so retention can delete or compact it.',
  'segment.jitter.ms': 'Largest random amount subtracted from segment.ms, so segments of many partitions do not roll at once.',
  'segment.index.bytes': 'Size in bytes of the offset index of a segment; a full index rolls the segment.',
  'index.interval.bytes': 'How many bytes of records lie between two entries of the offset index.',
  'retention.ms': 'How long records are kept before their segment may be deleted, under the delete policy; -1 keeps them forever.',
  'retention.bytes': 'Largest size a partition may grow to before its oldest segments are deleted, under the delete policy; -1 means no limit.',
  'cleanup.policy': 'What happens to old segments: "delete" removes them by time or size, "compact" keeps the latest record per key, or both.',
  'delete.retention.ms': 'How long tombstones (records with a null value) are kept in a compacted topic.',
  'min.cleanable.dirty.ratio': 'Share of the log not yet compacted above which the cleaner compacts it.',
  'min.compaction.lag.ms': 'Least time a record stays uncompacted in the log.',
  'max.compaction.lag.ms': 'Most time a record may stay uncompacted in the log.',
  'flush.messages': 'Number of records appended between forced fsyncs of the log.',
  'flush.ms': 'Time between forced fsyncs of the log.',
  'message.timestamp.type': 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s append time (LogAppendTime).',
  'max.message.bytes': 'Largest record batch, in bytes, the topic accepts.',
  'file.delete.delay.ms': 'Time a deleted segment\'s files stay on disk before they are removed.',
  'preallocate': 'Whether segment files are preallocated on disk when created.',
};

export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): DescribedConfig[] {
  return LOG_CONFIG_DEFINITIONS.map((d) => {
    const synonyms: ConfigSynonym[] = [];
    const own = overrides[d.name];
    if (own !== undefined) synonyms.push({ name: d.name, value: own, source: CONFIG_SOURCE_DYNAMIC_TOPIC });
    synonyms.push(...staticBrokerSynonyms(config, d));
    synonyms.push({ name: d.brokerName, value: d.defaultValue, source: CONFIG_SOURCE_DEFAULT });
    const source = synonyms[0]!.source;
    // Without an override the value is the broker's effective one (log.retention.hours=1 gives 3600000).
    const value = own ?? formatValue(d, config.logConfig[d.key]);
    return {
      name: d.name,
      value,
      source,
      readOnly: false,
      isSensitive: false,
      isDefault: source === CONFIG_SOURCE_DEFAULT,
      type: CONFIG_TYPE[d.type] ?? 0,
      documentation: TOPIC_CONFIG_DOCS[d.name] ?? null,
      synonyms,
    };
  });
}
