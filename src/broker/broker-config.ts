/**
 * Broker configuration: Kafka's property names and defaults (where Kafka's default would surprise
 * a single-node development broker, the difference is noted), parsed from a `server.properties`
 * style map. An unknown or invalid setting stops start-up with a message naming it.
 *
 * Log settings (`log.segment.bytes`, `log.retention.hours`, ...) are the broker-level synonyms
 * of topic configs and are defined in src/storage/log-config.ts; this module accepts them and
 * hands them to `logConfigFromBrokerProperties`.
 */
import type { GroupCoordinatorConfig } from '../coordinator/group/group.js';
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
  /** `offsets.topic.replication.factor`. */
  readonly offsetsTopicReplicationFactor: number;
  /** `offsets.topic.segment.bytes`. */
  readonly offsetsTopicSegmentBytes: number;
  /** The group coordinator's settings (`group.*`, `offsets.retention.*`, `offset.metadata.max.bytes`). */
  readonly groupCoordinator: GroupCoordinatorConfig;
  /** `group.coordinator.rebalance.protocols`: which group protocols are served ("classic", "consumer"). */
  readonly groupCoordinatorRebalanceProtocols: readonly GroupRebalanceProtocol[];
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
  { name: 'offsets.topic.replication.factor', defaultValue: '1', doc: 'Replication factor of __consumer_offsets, created when a client first looks for a group coordinator; until enough brokers are live, FindCoordinator answers COORDINATOR_NOT_AVAILABLE (Kafka\'s default is 3, which a single broker could never satisfy).' },
  { name: 'offsets.topic.segment.bytes', defaultValue: '104857600', doc: 'segment.bytes of __consumer_offsets (small, so compaction reaches old commits sooner).' },
  { name: 'offsets.retention.minutes', defaultValue: '10080', doc: 'Committed offsets of a group without members expire this long after it became empty (or after the commit, for a group that never had members).' },
  { name: 'offsets.retention.check.interval.ms', defaultValue: '600000', doc: 'How often expired offsets are removed.' },
  { name: 'offset.metadata.max.bytes', defaultValue: '4096', doc: 'Longest metadata string an offset commit may carry; longer gets OFFSET_METADATA_TOO_LARGE.' },
  { name: 'offsets.commit.timeout.ms', defaultValue: '5000', doc: 'Accepted for compatibility; a commit is acknowledged once written locally, so there is nothing to wait for.' },
  { name: 'group.initial.rebalance.delay.ms', defaultValue: '3000', doc: 'How long the first rebalance of an empty classic group waits for more members to join.' },
  { name: 'group.min.session.timeout.ms', defaultValue: '6000', doc: 'Smallest session timeout a classic group member may ask for.' },
  { name: 'group.max.session.timeout.ms', defaultValue: '1800000', doc: 'Largest session timeout a classic group member may ask for.' },
  { name: 'group.max.size', defaultValue: '2147483647', doc: 'Most members a classic group may have.' },
  { name: 'group.consumer.session.timeout.ms', defaultValue: '45000', doc: 'Session timeout of consumer-protocol (KIP-848) group members.' },
  { name: 'group.consumer.heartbeat.interval.ms', defaultValue: '5000', doc: 'Heartbeat interval given to consumer-protocol (KIP-848) group members.' },
  { name: 'group.consumer.max.size', defaultValue: '2147483647', doc: 'Most members a consumer-protocol (KIP-848) group may have.' },
  { name: 'group.consumer.assignors', defaultValue: 'uniform,range', doc: 'Server-side assignors of consumer-protocol (KIP-848) groups, comma-separated; the first is the default. Names: uniform, range (Kafka\'s class names org.apache.kafka.coordinator.group.assignor.UniformAssignor and RangeAssignor are accepted too).' },
  { name: 'group.coordinator.rebalance.protocols', defaultValue: 'classic,consumer', doc: 'Group protocols served, comma-separated: classic (JoinGroup/SyncGroup) and consumer (KIP-848 ConsumerGroupHeartbeat). classic cannot be turned off.' },
];

export type GroupRebalanceProtocol = 'classic' | 'consumer';

const ASSIGNOR_NAMES: ReadonlyMap<string, string> = new Map([
  ['uniform', 'uniform'],
  ['range', 'range'],
  ['org.apache.kafka.coordinator.group.assignor.UniformAssignor', 'uniform'],
  ['org.apache.kafka.coordinator.group.assignor.RangeAssignor', 'range'],
]);

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

function list(props: ReadonlyMap<string, string>, name: string): string[] {
  return props.get(name)!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Kafka's int settings: a value above Integer.MAX_VALUE is refused rather than clamped. */
function int32(props: ReadonlyMap<string, string>, name: string, min: number): number {
  const v = int(props, name, min);
  if (v > 2_147_483_647) fail(name, `must be at most 2147483647, got ${props.get(name)!.trim()}`);
  return v;
}

function consumerGroupAssignors(props: ReadonlyMap<string, string>): string[] {
  const name = 'group.consumer.assignors';
  const names = list(props, name).map((given) => {
    const assignor = ASSIGNOR_NAMES.get(given);
    if (assignor === undefined) fail(name, `unknown assignor ${JSON.stringify(given)}; use uniform or range`);
    return assignor;
  });
  if (names.length === 0) fail(name, 'names no assignor');
  return [...new Set(names)];
}

function rebalanceProtocols(props: ReadonlyMap<string, string>): GroupRebalanceProtocol[] {
  const name = 'group.coordinator.rebalance.protocols';
  const protocols = list(props, name).map((given) => {
    const protocol = given.toLowerCase();
    if (protocol !== 'classic' && protocol !== 'consumer') fail(name, `unknown protocol ${JSON.stringify(given)}; use classic, consumer or both`);
    return protocol;
  });
  // Kafka refuses to turn the classic protocol off too.
  if (!protocols.includes('classic')) fail(name, 'must include classic');
  return [...new Set(protocols)];
}

function groupCoordinatorConfig(props: ReadonlyMap<string, string>): GroupCoordinatorConfig {
  const groupMinSessionTimeoutMs = int32(props, 'group.min.session.timeout.ms', 0);
  const groupMaxSessionTimeoutMs = int32(props, 'group.max.session.timeout.ms', 0);
  if (groupMaxSessionTimeoutMs < groupMinSessionTimeoutMs) {
    fail('group.max.session.timeout.ms', `must be at least group.min.session.timeout.ms (${groupMinSessionTimeoutMs}), got ${groupMaxSessionTimeoutMs}`);
  }
  const consumerGroupSessionTimeoutMs = int32(props, 'group.consumer.session.timeout.ms', 1);
  const consumerGroupHeartbeatIntervalMs = int32(props, 'group.consumer.heartbeat.interval.ms', 1);
  if (consumerGroupHeartbeatIntervalMs >= consumerGroupSessionTimeoutMs) {
    fail('group.consumer.heartbeat.interval.ms', `must be less than group.consumer.session.timeout.ms (${consumerGroupSessionTimeoutMs}), got ${consumerGroupHeartbeatIntervalMs}`);
  }
  return {
    groupInitialRebalanceDelayMs: int32(props, 'group.initial.rebalance.delay.ms', 0),
    groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs,
    groupMaxSize: int32(props, 'group.max.size', 1),
    offsetsRetentionMs: int32(props, 'offsets.retention.minutes', 1) * 60_000,
    offsetsRetentionCheckIntervalMs: int(props, 'offsets.retention.check.interval.ms', 1),
    offsetMetadataMaxBytes: int32(props, 'offset.metadata.max.bytes', 0),
    consumerGroupSessionTimeoutMs,
    consumerGroupHeartbeatIntervalMs,
    consumerGroupMaxSize: int32(props, 'group.consumer.max.size', 1),
    consumerGroupAssignors: consumerGroupAssignors(props),
  };
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
  int32(props, 'offsets.commit.timeout.ms', 1);
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
    offsetsTopicNumPartitions: int32(props, 'offsets.topic.num.partitions', 1),
    offsetsTopicReplicationFactor: int32(props, 'offsets.topic.replication.factor', 1),
    // Kafka's own floor is 1, but a topic's segment.bytes may not be below 14: refuse here, not at creation.
    offsetsTopicSegmentBytes: int32(props, 'offsets.topic.segment.bytes', 14),
    groupCoordinator: groupCoordinatorConfig(props),
    groupCoordinatorRebalanceProtocols: rebalanceProtocols(props),
    logConfig: logConfigFromBrokerProperties(logProps),
    properties: props,
  };
}
