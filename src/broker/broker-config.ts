/**
 * Broker configuration: Kafka's property names and defaults (where Kafka's default would surprise
 * a single-node development broker, the difference is noted), parsed from a `server.properties`
 * style map. An unknown or invalid setting stops start-up with a message naming it.
 *
 * Log settings (`log.segment.bytes`, `log.retention.hours`, ...) are the broker-level synonyms
 * of topic configs and are defined in src/storage/log-config.ts; this module accepts them and
 * hands them to `logConfigFromBrokerProperties`.
 */
import { InvalidConfigError, LOG_CONFIG_DEFINITIONS, type LogConfig, logConfigFromBrokerProperties } from '../storage/log-config.js';

export interface Listener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerConfig {
  readonly nodeId: number;
  readonly listeners: readonly Listener[];
  readonly advertisedListeners: readonly Listener[];
  readonly logDirs: readonly string[];
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly connectionsMaxIdleMs: number;
  readonly fetchMaxBytes: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly producerIdExpirationMs: number;
  readonly offsetsTopicNumPartitions: number;
  readonly logConfig: LogConfig;
  /** Every property as given (after defaults), for DescribeConfigs on the broker resource. */
  readonly properties: ReadonlyMap<string, string>;
}

export interface BrokerConfigDefinition {
  readonly name: string;
  readonly defaultValue: string;
  readonly doc: string;
}

/** Broker-only settings; the log.* synonyms come from LOG_CONFIG_DEFINITIONS. */
export const BROKER_CONFIG_DEFINITIONS: readonly BrokerConfigDefinition[] = [
  { name: 'node.id', defaultValue: '0', doc: 'Id of this broker in the cluster.' },
  { name: 'listeners', defaultValue: 'PLAINTEXT://127.0.0.1:9092', doc: 'Addresses to listen on, as NAME://host:port, comma-separated (Kafka\'s default binds every interface; this one binds loopback only).' },
  { name: 'advertised.listeners', defaultValue: '', doc: 'Addresses given to clients in Metadata; empty means the same as listeners.' },
  { name: 'log.dirs', defaultValue: './data', doc: 'Directories holding the partition logs, comma-separated.' },
  { name: 'log.dir', defaultValue: './data', doc: 'Single log directory, used when log.dirs is not set.' },
  { name: 'num.partitions', defaultValue: '1', doc: 'Partition count of auto-created topics and of CreateTopics without one.' },
  { name: 'default.replication.factor', defaultValue: '1', doc: 'Replication factor of auto-created topics.' },
  { name: 'auto.create.topics.enable', defaultValue: 'true', doc: 'Create a topic when a client asks Metadata for an unknown one.' },
  { name: 'delete.topic.enable', defaultValue: 'true', doc: 'Allow DeleteTopics.' },
  { name: 'socket.request.max.bytes', defaultValue: '104857600', doc: 'Largest request frame accepted; a larger size prefix closes the connection.' },
  { name: 'connections.max.idle.ms', defaultValue: '600000', doc: 'Idle connections are closed after this long.' },
  { name: 'fetch.max.bytes', defaultValue: '57671680', doc: 'Upper bound on the bytes one Fetch response carries.' },
  { name: 'log.retention.check.interval.ms', defaultValue: '300000', doc: 'How often retention runs.' },
  { name: 'producer.id.expiration.ms', defaultValue: '86400000', doc: 'Producer state of an idle producer id expires after this long.' },
  { name: 'offsets.topic.num.partitions', defaultValue: '50', doc: 'Partitions of __consumer_offsets.' },
];

const BROKER_NAMES = new Set(BROKER_CONFIG_DEFINITIONS.map((d) => d.name));
const LOG_SYNONYMS = new Set([
  ...LOG_CONFIG_DEFINITIONS.map((d) => d.brokerName),
  'log.retention.minutes', 'log.retention.hours', 'log.roll.hours',
]);

function fail(name: string, message: string): never {
  throw new InvalidConfigError(name, `${name}: ${message}`);
}

function int(props: ReadonlyMap<string, string>, name: string, min: number): number {
  const text = props.get(name)!.trim();
  if (!/^-?\d+$/.test(text)) fail(name, `expected a whole number, got ${JSON.stringify(text)}`);
  const v = Number(text);
  if (v < min) fail(name, `must be at least ${min}, got ${v}`);
  return Math.min(v, Number.MAX_SAFE_INTEGER);
}

function bool(props: ReadonlyMap<string, string>, name: string): boolean {
  const text = props.get(name)!.trim().toLowerCase();
  if (text !== 'true' && text !== 'false') fail(name, `expected true or false, got ${JSON.stringify(text)}`);
  return text === 'true';
}

export function parseListeners(name: string, text: string): Listener[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((entry) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (!match) fail(name, `${JSON.stringify(entry)} is not NAME://host:port (for example PLAINTEXT://127.0.0.1:9092)`);
    const port = Number(match[3]);
    if (port > 65535) fail(name, `port ${port} is above 65535`);
    return { name: match[1]!.toUpperCase(), host: match[2]!.replace(/^\[|\]$/g, ''), port };
  });
}

/** Parses `server.properties` text: `key=value` lines, `#` and `!` comments. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at < 0) throw new InvalidConfigError(line, `cannot read property line ${JSON.stringify(line)}: expected key=value`);
    out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

export function brokerConfigFrom(given: ReadonlyMap<string, string> | Readonly<Record<string, string>>): BrokerConfig {
  const entries = given instanceof Map ? [...given.entries()] : Object.entries(given);
  for (const [name] of entries) {
    if (!BROKER_NAMES.has(name) && !LOG_SYNONYMS.has(name)) {
      throw new InvalidConfigError(name, `unknown setting ${name}; see the configuration reference in README.md`);
    }
  }
  const props = new Map<string, string>(BROKER_CONFIG_DEFINITIONS.map((d) => [d.name, d.defaultValue]));
  for (const [name, value] of entries) props.set(name, value);
  const listeners = parseListeners('listeners', props.get('listeners')!);
  if (listeners.length === 0) fail('listeners', 'names no listener');
  const advertisedText = props.get('advertised.listeners')!;
  const advertised = advertisedText.trim() === '' ? listeners : parseListeners('advertised.listeners', advertisedText);
  const explicitDirs = entries.some(([n]) => n === 'log.dirs');
  const dirsText = explicitDirs ? props.get('log.dirs')! : props.get('log.dir')!;
  const logDirs = dirsText.split(',').map((d) => d.trim()).filter((d) => d.length > 0);
  if (logDirs.length === 0) fail('log.dirs', 'names no directory');
  const logProps: Record<string, string> = {};
  for (const [name, value] of entries) if (LOG_SYNONYMS.has(name)) logProps[name] = value;
  return {
    nodeId: int(props, 'node.id', 0),
    listeners,
    advertisedListeners: advertised,
    logDirs,
    numPartitions: int(props, 'num.partitions', 1),
    defaultReplicationFactor: int(props, 'default.replication.factor', 1),
    autoCreateTopicsEnable: bool(props, 'auto.create.topics.enable'),
    deleteTopicEnable: bool(props, 'delete.topic.enable'),
    messageMaxBytes: logConfigFromBrokerProperties(logProps).maxMessageBytes,
    socketRequestMaxBytes: int(props, 'socket.request.max.bytes', 1),
    connectionsMaxIdleMs: int(props, 'connections.max.idle.ms', -1),
    fetchMaxBytes: int(props, 'fetch.max.bytes', 1024),
    logRetentionCheckIntervalMs: int(props, 'log.retention.check.interval.ms', 1),
    producerIdExpirationMs: int(props, 'producer.id.expiration.ms', 1),
    offsetsTopicNumPartitions: int(props, 'offsets.topic.num.partitions', 1),
    logConfig: logConfigFromBrokerProperties(logProps),
    properties: props,
  };
}
