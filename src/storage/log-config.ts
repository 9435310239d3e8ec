/**
 * Per-topic log configuration with Kafka's names, types and defaults, and the broker-level
 * synonyms (`log.segment.bytes` for `segment.bytes`, ...) that supply a topic's value when the
 * topic does not set one. DescribeConfigs reports these names, sources and defaults.
 *
 * Durations that Kafka leaves "unbounded" default to Long.MAX_VALUE there; here they are
 * Number.MAX_SAFE_INTEGER, which is as unbounded for milliseconds and message counts.
 */

export const CLEANUP_DELETE = 1;
export const CLEANUP_COMPACT = 2;

const LONG_MAX = Number.MAX_SAFE_INTEGER;
const INT_MAX = 0x7fffffff;

export interface LogConfig {
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly segmentJitterMs: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  /** Bit set of CLEANUP_DELETE and CLEANUP_COMPACT. */
  readonly cleanupPolicy: number;
  readonly deleteRetentionMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  /** 0 CreateTime, 1 LogAppendTime (the batch attribute's timestamp-type values). */
  readonly messageTimestampType: 0 | 1;
  readonly maxMessageBytes: number;
  readonly fileDeleteDelayMs: number;
  readonly preallocate: boolean;
}

type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';

export interface LogConfigDefinition {
  /** Topic-level name, as Kafka spells it. */
  readonly name: string;
  /** Broker-level synonym that supplies the default. */
  readonly brokerName: string;
  readonly type: ConfigType;
  readonly defaultValue: string;
  readonly key: keyof LogConfig;
  readonly parse: (text: string) => LogConfig[keyof LogConfig];
}

class ConfigValueError extends Error {}

function integer(min: number, max: number) {
  return (text: string): number => {
    const trimmed = text.trim();
    if (!/^-?\d+$/.test(trimmed)) throw new ConfigValueError(`expected a whole number, got ${JSON.stringify(text)}`);
    const v = Number(trimmed);
    // Long.MAX_VALUE and friends are accepted and capped at the largest exact JS integer.
    const capped = Math.min(v, LONG_MAX);
    if (capped < min || capped > max) throw new ConfigValueError(`value ${text} is outside [${min}, ${max === LONG_MAX ? 'Long.MAX_VALUE' : max}]`);
    return capped;
  };
}

function ratio(text: string): number {
  const v = Number(text.trim());
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new ConfigValueError(`expected a number between 0 and 1, got ${JSON.stringify(text)}`);
  return v;
}

function bool(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t !== 'true' && t !== 'false') throw new ConfigValueError(`expected true or false, got ${JSON.stringify(text)}`);
  return t === 'true';
}

function cleanupPolicy(text: string): number {
  let policy = 0;
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    if (part === 'delete') policy |= CLEANUP_DELETE;
    else if (part === 'compact') policy |= CLEANUP_COMPACT;
    else throw new ConfigValueError(`unknown cleanup policy ${JSON.stringify(part)}; use delete, compact or both`);
  }
  if (policy === 0) throw new ConfigValueError('cleanup.policy names no policy; use delete, compact or both');
  return policy;
}

function timestampType(text: string): 0 | 1 {
  if (text.trim() === 'CreateTime') return 0;
  if (text.trim() === 'LogAppendTime') return 1;
  throw new ConfigValueError(`expected CreateTime or LogAppendTime, got ${JSON.stringify(text)}`);
}

export const LOG_CONFIG_DEFINITIONS: readonly LogConfigDefinition[] = [
  { name: 'segment.bytes', brokerName: 'log.segment.bytes', type: 'int', defaultValue: '1073741824', key: 'segmentBytes', parse: integer(14, INT_MAX) },
  { name: 'segment.ms', brokerName: 'log.roll.ms', type: 'long', defaultValue: '604800000', key: 'segmentMs', parse: integer(1, LONG_MAX) },
  { name: 'segment.jitter.ms', brokerName: 'log.roll.jitter.ms', type: 'long', defaultValue: '0', key: 'segmentJitterMs', parse: integer(0, LONG_MAX) },
  { name: 'segment.index.bytes', brokerName: 'log.index.size.max.bytes', type: 'int', defaultValue: '10485760', key: 'segmentIndexBytes', parse: integer(4, INT_MAX) },
  { name: 'index.interval.bytes', brokerName: 'log.index.interval.bytes', type: 'int', defaultValue: '4096', key: 'indexIntervalBytes', parse: integer(0, INT_MAX) },
  { name: 'retention.ms', brokerName: 'log.retention.ms', type: 'long', defaultValue: '604800000', key: 'retentionMs', parse: integer(-1, LONG_MAX) },
  { name: 'retention.bytes', brokerName: 'log.retention.bytes', type: 'long', defaultValue: '-1', key: 'retentionBytes', parse: integer(-1, LONG_MAX) },
  { name: 'cleanup.policy', brokerName: 'log.cleanup.policy', type: 'list', defaultValue: 'delete', key: 'cleanupPolicy', parse: cleanupPolicy },
  { name: 'delete.retention.ms', brokerName: 'log.cleaner.delete.retention.ms', type: 'long', defaultValue: '86400000', key: 'deleteRetentionMs', parse: integer(0, LONG_MAX) },
  { name: 'min.cleanable.dirty.ratio', brokerName: 'log.cleaner.min.cleanable.ratio', type: 'double', defaultValue: '0.5', key: 'minCleanableDirtyRatio', parse: ratio },
  { name: 'min.compaction.lag.ms', brokerName: 'log.cleaner.min.compaction.lag.ms', type: 'long', defaultValue: '0', key: 'minCompactionLagMs', parse: integer(0, LONG_MAX) },
  { name: 'max.compaction.lag.ms', brokerName: 'log.cleaner.max.compaction.lag.ms', type: 'long', defaultValue: '9223372036854775807', key: 'maxCompactionLagMs', parse: integer(1, LONG_MAX) },
  { name: 'flush.messages', brokerName: 'log.flush.interval.messages', type: 'long', defaultValue: '9223372036854775807', key: 'flushMessages', parse: integer(1, LONG_MAX) },
  { name: 'flush.ms', brokerName: 'log.flush.interval.ms', type: 'long', defaultValue: '9223372036854775807', key: 'flushMs', parse: integer(0, LONG_MAX) },
  { name: 'message.timestamp.type', brokerName: 'log.message.timestamp.type', type: 'string', defaultValue: 'CreateTime', key: 'messageTimestampType', parse: timestampType },
  { name: 'max.message.bytes', brokerName: 'message.max.bytes', type: 'int', defaultValue: '1048588', key: 'maxMessageBytes', parse: integer(0, INT_MAX) },
  { name: 'file.delete.delay.ms', brokerName: 'log.segment.delete.delay.ms', type: 'long', defaultValue: '60000', key: 'fileDeleteDelayMs', parse: integer(0, LONG_MAX) },
  { name: 'preallocate', brokerName: 'log.preallocate', type: 'boolean', defaultValue: 'false', key: 'preallocate', parse: bool },
];

const BY_NAME = new Map(LOG_CONFIG_DEFINITIONS.map((d) => [d.name, d]));
const BY_BROKER_NAME = new Map(LOG_CONFIG_DEFINITIONS.map((d) => [d.brokerName, d]));

export function logConfigDefinition(name: string): LogConfigDefinition | undefined {
  return BY_NAME.get(name);
}

export function logConfigDefinitionForBrokerName(brokerName: string): LogConfigDefinition | undefined {
  return BY_BROKER_NAME.get(brokerName);
}

/** Thrown for an unknown name or an invalid value; the message names the setting and what to do. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
  constructor(readonly configName: string, message: string) {
    super(message);
  }
}

function build(values: ReadonlyMap<string, string>): LogConfig {
  const out: Record<string, LogConfig[keyof LogConfig]> = {};
  for (const d of LOG_CONFIG_DEFINITIONS) {
    const text = values.get(d.name) ?? d.defaultValue;
    try {
      out[d.key] = d.parse(text);
    } catch (err) {
      if (!(err instanceof ConfigValueError)) throw err;
      throw new InvalidConfigError(d.name, `invalid value for ${d.name}: ${err.message}`);
    }
  }
  return out as unknown as LogConfig;
}

export const DEFAULT_LOG_CONFIG: LogConfig = build(new Map());

/**
 * A topic's effective config: its own overrides (topic-level names) over the broker's defaults
 * (a LogConfig already built from broker-level names). Unknown names are refused.
 */
export function logConfigWith(base: LogConfig, overrides: Readonly<Record<string, string>>): LogConfig {
  const values = new Map<string, string>();
  for (const d of LOG_CONFIG_DEFINITIONS) values.set(d.name, formatValue(d, base[d.key]));
  for (const [name, value] of Object.entries(overrides)) {
    if (!BY_NAME.has(name)) throw new InvalidConfigError(name, `unknown topic config ${name}`);
    values.set(name, value);
  }
  return build(values);
}

/** Broker-level defaults from broker property names (`log.segment.bytes`, `message.max.bytes`, ...). */
export function logConfigFromBrokerProperties(props: Readonly<Record<string, string>>): LogConfig {
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(props)) {
    const d = BY_BROKER_NAME.get(name);
    if (d) overrides[d.name] = value;
  }
  // Kafka's coarser synonyms, used only when the finer one is absent.
  const minutes = props['log.retention.minutes'];
  const hours = props['log.retention.hours'];
  if (overrides['retention.ms'] === undefined && (minutes !== undefined || hours !== undefined)) {
    const ms = minutes !== undefined ? Number(minutes) * 60_000 : Number(hours) * 3_600_000;
    overrides['retention.ms'] = String(ms);
  }
  const rollHours = props['log.roll.hours'];
  if (overrides['segment.ms'] === undefined && rollHours !== undefined) overrides['segment.ms'] = String(Number(rollHours) * 3_600_000);
  return logConfigWith(DEFAULT_LOG_CONFIG, overrides);
}

/** The value as Kafka prints it in DescribeConfigs. */
export function formatValue(d: LogConfigDefinition, value: LogConfig[keyof LogConfig]): string {
  if (d.key === 'cleanupPolicy') {
    const parts: string[] = [];
    if ((value as number) & CLEANUP_DELETE) parts.push('delete');
    if ((value as number) & CLEANUP_COMPACT) parts.push('compact');
    return parts.join(',');
  }
  if (d.key === 'messageTimestampType') return value === 1 ? 'LogAppendTime' : 'CreateTime';
  if (typeof value === 'number' && value === LONG_MAX) return '9223372036854775807';
  return String(value);
}
