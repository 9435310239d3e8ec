/**
 * Topic administration over one connection (any broker forwards these to the controller in a
 * cluster; a single node is its own controller): CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeConfigs and IncrementalAlterConfigs.
 *
 * Each function sends one request for all the resources it is given, then throws a
 * KafkaResponseError for the first one the broker refused (the others may have succeeded, as
 * with Kafka's admin client), naming the resource, Kafka's error name and message, and the
 * broker's own errorMessage.
 */
import { ZERO_UUID } from '../protocol/primitives/index.js';
import {
  CREATE_PARTITIONS, CREATE_TOPICS, DELETE_TOPICS, DESCRIBE_CONFIGS, INCREMENTAL_ALTER_CONFIGS,
} from './client-api.js';
import { throwIfError } from './client-errors.js';
import type { KafkaConnection } from './kafka-connection.js';

/** DescribeConfigs / IncrementalAlterConfigs resource types. */
export const RESOURCE_TYPE_TOPIC = 2;
export const RESOURCE_TYPE_BROKER = 4;

/** DescribeConfigs ConfigSource (v1+); -1 when a v0 response does not say. */
export const CONFIG_SOURCE_UNKNOWN = -1;
export const CONFIG_SOURCE_DYNAMIC_TOPIC = 1;
export const CONFIG_SOURCE_DYNAMIC_BROKER = 2;
export const CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER = 3;
export const CONFIG_SOURCE_STATIC_BROKER = 4;
export const CONFIG_SOURCE_DEFAULT = 5;

/** IncrementalAlterConfigs operations (KIP-339). */
export const CONFIG_OP_SET = 0;
export const CONFIG_OP_DELETE = 1;
export const CONFIG_OP_APPEND = 2;
export const CONFIG_OP_SUBTRACT = 3;

const DEFAULT_TIMEOUT_MS = 30_000;

export interface NewTopic {
  readonly name: string;
  /** Default: the broker's num.partitions. */
  readonly numPartitions?: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreatedTopic {
  readonly name: string;
  readonly topicId: string;
  /** -1 when the broker's version of CreateTopics does not report it (before v5). */
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
  readonly isDefault: boolean;
  readonly isReadOnly: boolean;
  readonly isSensitive: boolean;
}

export interface ConfigChange {
  readonly name: string;
  readonly operation: typeof CONFIG_OP_SET | typeof CONFIG_OP_DELETE | typeof CONFIG_OP_APPEND | typeof CONFIG_OP_SUBTRACT;
  /** Ignored by DELETE. */
  readonly value?: string | null;
}

export interface AdminOptions {
  /** How long the controller may take; the request waits a little longer. Default 30 000. */
  readonly timeoutMs?: number;
  /** Check the request without applying it. */
  readonly validateOnly?: boolean;
}

function requestTimeout(timeoutMs: number): { timeoutMs: number } {
  return { timeoutMs: timeoutMs + 5_000 };
}

export async function createTopics(connection: KafkaConnection, topics: readonly NewTopic[], options: AdminOptions = {}): Promise<CreatedTopic[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const response = await connection.send(CREATE_TOPICS, {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs,
    validateOnly: options.validateOnly ?? false,
  }, requestTimeout(timeoutMs));
  for (const t of response.topics) throwIfError(t.errorCode, `topic ${t.name}`, t.errorMessage);
  return response.topics.map((t) => ({ name: t.name, topicId: t.topicId, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor }));
}

export async function deleteTopics(connection: KafkaConnection, names: readonly string[], options: Omit<AdminOptions, 'validateOnly'> = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const version = connection.versionFor(DELETE_TOPICS);
  // v6 (KIP-516) names topics by name or id in `topics`; earlier versions by name in `topicNames`.
  const byState = version >= 6;
  const response = await connection.request(DELETE_TOPICS, version, {
    topics: byState ? names.map((name) => ({ name, topicId: ZERO_UUID })) : [],
    topicNames: byState ? [] : [...names],
    timeoutMs,
  }, requestTimeout(timeoutMs));
  for (const r of response.responses) throwIfError(r.errorCode, `topic ${r.name ?? r.topicId}`, r.errorMessage);
}

/** Grows each topic to the given partition count (CreatePartitions); the broker places the new replicas. */
export async function createPartitions(connection: KafkaConnection, counts: ReadonlyMap<string, number>, options: AdminOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const response = await connection.send(CREATE_PARTITIONS, {
    topics: [...counts].map(([name, count]) => ({ name, count, assignments: null })),
    timeoutMs,
    validateOnly: options.validateOnly ?? false,
  }, requestTimeout(timeoutMs));
  for (const r of response.results) throwIfError(r.errorCode, `topic ${r.name}`, r.errorMessage);
}

/** The configs of one resource; `names` null for all of them. */
export async function describeConfigs(connection: KafkaConnection, resourceType: number, resourceName: string, names: readonly string[] | null = null): Promise<ConfigEntry[]> {
  const response = await connection.send(DESCRIBE_CONFIGS, {
    resources: [{ resourceType, resourceName, configurationKeys: names === null ? null : [...names] }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  const result = response.results[0];
  if (!result) return [];
  throwIfError(result.errorCode, `configs of ${resourceLabel(resourceType)} ${resourceName}`, result.errorMessage);
  return result.configs.map((c) => ({
    name: c.name,
    value: c.value,
    source: c.configSource,
    isDefault: c.isDefault || c.configSource === CONFIG_SOURCE_DEFAULT,
    isReadOnly: c.readOnly,
    isSensitive: c.isSensitive,
  }));
}

/** Applies `changes` to one resource's configs (IncrementalAlterConfigs, KIP-339). */
export async function incrementalAlterConfigs(
  connection: KafkaConnection, resourceType: number, resourceName: string, changes: readonly ConfigChange[], options: Pick<AdminOptions, 'validateOnly'> = {},
): Promise<void> {
  const response = await connection.send(INCREMENTAL_ALTER_CONFIGS, {
    resources: [{
      resourceType,
      resourceName,
      configs: changes.map((c) => ({ name: c.name, configOperation: c.operation, value: c.operation === CONFIG_OP_DELETE ? null : c.value ?? null })),
    }],
    validateOnly: options.validateOnly ?? false,
  });
  for (const r of response.responses) throwIfError(r.errorCode, `configs of ${resourceLabel(r.resourceType)} ${r.resourceName}`, r.errorMessage);
}

function resourceLabel(resourceType: number): string {
  if (resourceType === RESOURCE_TYPE_TOPIC) return 'topic';
  if (resourceType === RESOURCE_TYPE_BROKER) return 'broker';
  return `resource type ${resourceType}`;
}
