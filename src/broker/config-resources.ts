/**
 * Config resources as DescribeConfigs, AlterConfigs and IncrementalAlterConfigs see them: topics
 * (resource type 2) and brokers (type 4; the name is this node's id, or "" for the cluster-wide
 * dynamic defaults).
 *
 * Topic configs are overrides stored with the topic through the Controller and applied to the
 * live logs when the Controller announces the change. Broker settings are static (the broker's
 * properties at start-up): they are described with source STATIC_BROKER_CONFIG or
 * DEFAULT_CONFIG and read-only, and a change to one is refused as Kafka refuses a config that
 * cannot be updated dynamically: INVALID_REQUEST.
 *
 * Checks follow Kafka's ConfigAdminManager and controller: a resource named twice, a config key
 * named twice in one resource and a null value (except for DELETE) are INVALID_REQUEST; a bad
 * value or unknown topic config is INVALID_CONFIG; then the topic must exist.
 */
import type { TopicRecord } from '../cluster/metadata-store.js';
import { validateTopicName } from '../cluster/controller.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { LOG_CONFIG_DEFINITIONS, formatValue, logConfigDefinition } from '../storage/log-config.js';
import type { BrokerServices } from './api-handler.js';
import { BROKER_CONFIG_DEFINITIONS, type BrokerConfig } from './broker-config.js';
import {
  CONFIG_SOURCE_DEFAULT, CONFIG_SOURCE_STATIC_BROKER, CONFIG_TYPE, type ConfigSynonym, type DescribedConfig,
  staticBrokerSynonyms,
} from './topic-configs.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** IncrementalAlterConfigs operations. */
export const OP_SET = 0;
export const OP_DELETE = 1;
export const OP_APPEND = 2;
export const OP_SUBTRACT = 3;

const BROKER_CONFIG_TYPES: Readonly<Record<string, string>> = {
  'node.id': 'int', 'num.partitions': 'int', 'default.replication.factor': 'short', 'auto.create.topics.enable': 'boolean',
  'delete.topic.enable': 'boolean', 'socket.request.max.bytes': 'int', 'connections.max.idle.ms': 'long',
  'fetch.max.bytes': 'int', 'log.retention.check.interval.ms': 'long', 'producer.id.expiration.ms': 'int',
  'offsets.topic.num.partitions': 'int',
};

function brokerEntry(name: string, value: string, type: string, documentation: string | null, synonyms: ConfigSynonym[]): DescribedConfig {
  const source = synonyms[0]?.source ?? CONFIG_SOURCE_DEFAULT;
  return {
    name, value, source, readOnly: true, isSensitive: false, isDefault: source === CONFIG_SOURCE_DEFAULT,
    type: CONFIG_TYPE[type] ?? 0, documentation, synonyms,
  };
}

/**
 * This broker's settings: its own (node.id, listeners, ...) and the log.* defaults of topic
 * configs. A broker-only setting counts as set statically when it differs from the default (the
 * parsed configuration keeps no other record of what was given).
 */
export function describeBrokerConfigs(config: BrokerConfig): DescribedConfig[] {
  const described: DescribedConfig[] = [];
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    const value = config.properties.get(d.name) ?? d.defaultValue;
    const synonyms: ConfigSynonym[] = [];
    if (value !== d.defaultValue) synonyms.push({ name: d.name, value, source: CONFIG_SOURCE_STATIC_BROKER });
    synonyms.push({ name: d.name, value: d.defaultValue, source: CONFIG_SOURCE_DEFAULT });
    described.push(brokerEntry(d.name, value, BROKER_CONFIG_TYPES[d.name] ?? 'string', d.doc, synonyms));
  }
  for (const d of LOG_CONFIG_DEFINITIONS) {
    const synonyms = [...staticBrokerSynonyms(config, d), { name: d.brokerName, value: d.defaultValue, source: CONFIG_SOURCE_DEFAULT }];
    described.push(brokerEntry(d.brokerName, formatValue(d, config.logConfig[d.key]), d.type, `Broker-wide default of the topic config ${d.name}.`, synonyms));
  }
  return described;
}

/** A broker resource's name must be "" (cluster default) or this node's id, else INVALID_REQUEST. */
export function checkBrokerResourceName(name: string, nodeId: number): void {
  if (name === '') return;
  if (!/^-?\d+$/.test(name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `node id must be an integer, but it is: ${name}`);
  if (Number(name) !== nodeId) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unexpected broker id, expected ${nodeId} or empty string, but received ${name}`);
}

/** A topic resource's name: "" is the default resource Kafka does not allow; else a legal topic name. */
export function checkTopicResourceName(name: string): void {
  if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'default topic resources are not allowed');
  validateTopicName(name);
}

/** One requested change to a config key; `op` is OP_SET for AlterConfigs' whole-set replacement. */
export interface ConfigOperation {
  readonly name: string;
  readonly op: number;
  readonly value: string | null;
}

export interface ResourceAlteration {
  readonly resourceType: number;
  readonly resourceName: string;
  /** AlterConfigs: the operations are the complete new set of overrides; others are removed. */
  readonly replaceAll: boolean;
  readonly ops: readonly ConfigOperation[];
}

export interface AlterationResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const OK: AlterationResult = { errorCode: ErrorCode.NONE, errorMessage: null };

function checkOperations(ops: readonly ConfigOperation[]): void {
  const names = new Set<string>();
  for (const o of ops) {
    if (names.has(o.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `config key ${o.name} appears more than once`);
    names.add(o.name);
    if (o.op < OP_SET || o.op > OP_SUBTRACT) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown config operation ${o.op} for ${o.name}`);
  }
  const nulls = ops.filter((o) => o.op !== OP_DELETE && o.value === null).map((o) => o.name);
  if (nulls.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `null value not supported for: ${nulls.join(', ')}`);
}

/** APPEND / SUBTRACT on a list config, starting from Kafka's default when the topic has no override. */
function applyListOperation(current: string | undefined, o: ConfigOperation): string {
  const d = logConfigDefinition(o.name);
  if (!d || d.type !== 'list') {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `can't ${o.op === OP_APPEND ? 'APPEND' : 'SUBTRACT'} to key ${o.name} because its type is not LIST`);
  }
  const parts = (current ?? d.defaultValue).split(',').filter((p) => p.length > 0);
  const given = o.value!.split(',');
  if (o.op === OP_APPEND) {
    for (const v of given) if (!parts.includes(v)) parts.push(v);
    return parts.join(',');
  }
  return parts.filter((p) => !given.includes(p)).join(',');
}

function newTopicOverrides(current: Readonly<Record<string, string>>, alteration: ResourceAlteration): Record<string, string> {
  const configs: Record<string, string> = alteration.replaceAll ? {} : { ...current };
  for (const o of alteration.ops) {
    if (o.op === OP_SET) configs[o.name] = o.value!;
    else if (o.op === OP_DELETE) delete configs[o.name];
    else configs[o.name] = applyListOperation(configs[o.name], o);
  }
  return configs;
}

/** Static broker settings: nothing may be set, appended or subtracted; deleting an unset dynamic value is a no-op. */
function checkBrokerAlteration(alteration: ResourceAlteration, nodeId: number): void {
  checkBrokerResourceName(alteration.resourceName, nodeId);
  const changed = alteration.ops.filter((o) => o.op !== OP_DELETE).map((o) => o.name);
  if (changed.length > 0) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST,
      `cannot update these configs dynamically: ${changed.join(', ')}; this broker reads its settings only at start-up, so set them in its configuration and restart it`);
  }
}

function planAlteration(broker: BrokerServices, alteration: ResourceAlteration): TopicRecord | null {
  checkOperations(alteration.ops);
  switch (alteration.resourceType) {
    case RESOURCE_BROKER:
      checkBrokerAlteration(alteration, broker.nodeId);
      return null;
    case RESOURCE_TOPIC: {
      checkTopicResourceName(alteration.resourceName);
      const current = broker.controller.topic(alteration.resourceName)?.configs ?? {};
      return broker.controller.planTopicConfigs(alteration.resourceName, newTopicOverrides(current, alteration));
    }
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `unsupported resource type ${alteration.resourceType}; this broker has topic (2) and broker (4) configs`);
  }
}

/**
 * Checks every alteration and, unless `validateOnly`, stores the changed topics' configs in one
 * metadata write; the Controller's announcement applies them to the live logs. Returns one result
 * per alteration, in order.
 */
export async function alterConfigResources(broker: BrokerServices, alterations: readonly ResourceAlteration[], validateOnly: boolean): Promise<AlterationResult[]> {
  const counts = new Map<string, number>();
  const keyOf = (a: ResourceAlteration): string => `${a.resourceType}:${a.resourceName}`;
  for (const a of alterations) counts.set(keyOf(a), (counts.get(keyOf(a)) ?? 0) + 1);
  const results: AlterationResult[] = [];
  const changed: { readonly record: TopicRecord; readonly index: number }[] = [];
  for (const a of alterations) {
    if (counts.get(keyOf(a))! > 1) {
      results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'each resource must appear at most once' });
      continue;
    }
    try {
      const record = planAlteration(broker, a);
      if (record) changed.push({ record, index: results.length });
      results.push(OK);
    } catch (err) {
      if (!(err instanceof KafkaError)) broker.logger.error({ err, resourceType: a.resourceType, resourceName: a.resourceName }, 'checking a config change failed unexpectedly');
      results.push(failure(err));
    }
  }
  if (validateOnly || changed.length === 0) return results;
  try {
    await broker.controller.updateTopics(changed.map((c) => c.record));
    for (const { record } of changed) broker.logger.info({ topic: record.name, configs: record.configs }, 'altered topic configs');
  } catch (err) {
    broker.logger.error({ err, topics: changed.map((c) => c.record.name) }, 'storing altered topic configs failed');
    for (const c of changed) results[c.index] = failure(err);
  }
  return results;
}

function failure(err: unknown): AlterationResult {
  return err instanceof KafkaError
    ? { errorCode: err.code, errorMessage: err.message }
    : { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'unexpected server error; see the broker log' };
}
