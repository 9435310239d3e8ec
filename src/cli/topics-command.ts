/**
 * `samsa topics create|list|describe|alter|delete`: topic administration from the command line,
 * printing what Kafka's kafka-topics.sh prints (`Created topic orders.`, the describe layout),
 * over CreateTopics, Metadata, DescribeConfigs, CreatePartitions, IncrementalAlterConfigs and
 * DeleteTopics.
 */
import {
  CONFIG_OP_DELETE, CONFIG_OP_SET, CONFIG_SOURCE_DYNAMIC_TOPIC, CONFIG_SOURCE_UNKNOWN, type ConfigChange,
  type ConnectionPool, DESCRIBE_CONFIGS, KafkaResponseError, RESOURCE_TYPE_TOPIC, type TopicMetadata,
  createPartitions, createTopics, deleteTopics, describeConfigs, fetchMetadata, incrementalAlterConfigs, topicOf,
} from '../client/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  BOOTSTRAP_HELP, UsageError, parseBootstrap, parseCommandArgs, parseIntegerOption, parseKeyValues, runSubcommand, withCluster, writeOut,
} from './command-line.js';

const USAGE = `Usage: samsa topics COMMAND [options]

Commands:
  create TOPIC              create a topic
  list                      list the topics, one per line
  describe [TOPIC...]       show partitions, leaders, replicas and config overrides (all topics when none named)
  alter TOPIC               add partitions, set or remove config overrides
  delete TOPIC...           delete topics and all their records

Run samsa topics COMMAND --help for the options of each.
`;

const CREATE_USAGE = `Usage: samsa topics create TOPIC [options]

Options:
${BOOTSTRAP_HELP}
  --partitions N            number of partitions (default: the broker's num.partitions)
  --replication-factor N    replicas per partition (default: the broker's default.replication.factor)
  --config KEY=VALUE        a topic config by Kafka's name (retention.ms=86400000); repeat for more
  --if-not-exists           succeed quietly when the topic already exists
  -h, --help                show this help
`;

const LIST_USAGE = `Usage: samsa topics list [options]

Options:
${BOOTSTRAP_HELP}
  -h, --help                show this help
`;

const DESCRIBE_USAGE = `Usage: samsa topics describe [TOPIC...] [options]

Prints, per topic, its id, partition count, replication factor and config overrides, then one
line per partition with its leader, replicas and in-sync replicas.

Options:
${BOOTSTRAP_HELP}
  -h, --help                show this help
`;

const ALTER_USAGE = `Usage: samsa topics alter TOPIC [options]

Options:
${BOOTSTRAP_HELP}
  --partitions N            grow the topic to N partitions (partitions are never removed)
  --config KEY=VALUE        set a config override; repeat for more
  --delete-config KEY       remove a config override (back to the broker default); repeat for more
  -h, --help                show this help
`;

const DELETE_USAGE = `Usage: samsa topics delete TOPIC... [options]

Options:
${BOOTSTRAP_HELP}
  --if-exists               succeed quietly for topics that do not exist
  -h, --help                show this help
`;

const COMMON = { bootstrap: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export function topicsCommand(args: readonly string[]): Promise<number> {
  return runSubcommand('topics', USAGE, args, { create, list, describe, alter, delete: remove });
}

function oneTopic(positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the topic' : `expected one topic, got ${positionals.length}`);
  return positionals[0]!;
}

async function create(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON,
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    config: { type: 'string', multiple: true },
    'if-not-exists': { type: 'boolean' },
  });
  if (values.help) return writeOut(CREATE_USAGE);
  const name = oneTopic(positionals);
  const numPartitions = values.partitions === undefined ? undefined : parseIntegerOption('--partitions', values.partitions, 1, 2 ** 31 - 1);
  const replicationFactor = values['replication-factor'] === undefined ? undefined : parseIntegerOption('--replication-factor', values['replication-factor'], 1, 32767);
  const configs = Object.fromEntries(parseKeyValues('--config', values.config));
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    try {
      await createTopics(pool.bootstrap, [{ name, numPartitions, replicationFactor, configs }]);
    } catch (err) {
      if (values['if-not-exists'] && err instanceof KafkaResponseError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS) return;
      throw err;
    }
    await writeOut(`Created topic ${name}.\n`);
  });
}

async function list(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, COMMON);
  if (values.help) return writeOut(LIST_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    const metadata = await fetchMetadata(pool.bootstrap, null);
    const names = [...metadata.topics.keys()].sort();
    await writeOut(names.map((n) => `${n}\n`).join(''));
  });
}

async function describe(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, COMMON);
  if (values.help) return writeOut(DESCRIBE_USAGE);
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    const metadata = await fetchMetadata(pool.bootstrap, positionals.length > 0 ? positionals : null);
    const topics = [...metadata.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const topic of topics) await writeOut(await describeTopic(pool, topic));
  });
}

async function describeTopic(pool: ConnectionPool, topic: TopicMetadata): Promise<string> {
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
  const head = [`Topic: ${topic.name}`, `TopicId: ${topic.topicId}`, `PartitionCount: ${topic.partitions.length}`, `ReplicationFactor: ${replicationFactor}`];
  // Config overrides come from DescribeConfigs; a broker without it still gets the partitions described.
  if (pool.bootstrap.supports(DESCRIBE_CONFIGS)) {
    const configs = await describeConfigs(pool.bootstrap, RESOURCE_TYPE_TOPIC, topic.name);
    const overrides = configs.filter((c) => c.source === CONFIG_SOURCE_DYNAMIC_TOPIC || (c.source === CONFIG_SOURCE_UNKNOWN && !c.isDefault));
    head.push(`Configs: ${overrides.map((c) => `${c.name}=${c.isSensitive ? '<sensitive>' : c.value ?? ''}`).join(',')}`);
  }
  const lines = [head.join('\t')];
  for (const p of topic.partitions) {
    const leader = p.leaderId < 0 ? 'none' : String(p.leaderId);
    const line = [`\tTopic: ${topic.name}`, `Partition: ${p.partition}`, `Leader: ${leader}`, `Replicas: ${p.replicas.join(',')}`, `Isr: ${p.isr.join(',')}`];
    if (p.offlineReplicas.length > 0) line.push(`Offline: ${p.offlineReplicas.join(',')}`);
    lines.push(line.join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

async function alter(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON,
    partitions: { type: 'string' },
    config: { type: 'string', multiple: true },
    'delete-config': { type: 'string', multiple: true },
  });
  if (values.help) return writeOut(ALTER_USAGE);
  const name = oneTopic(positionals);
  const partitions = values.partitions === undefined ? undefined : parseIntegerOption('--partitions', values.partitions, 1, 2 ** 31 - 1);
  const changes: ConfigChange[] = [
    ...parseKeyValues('--config', values.config).map(([key, value]): ConfigChange => ({ name: key, operation: CONFIG_OP_SET, value })),
    ...(values['delete-config'] ?? []).map((key): ConfigChange => ({ name: key, operation: CONFIG_OP_DELETE })),
  ];
  if (partitions === undefined && changes.length === 0) throw new UsageError('nothing to alter: give --partitions, --config or --delete-config');
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    const topic = topicOf(await fetchMetadata(pool.bootstrap, [name]), name);
    if (partitions !== undefined && partitions !== topic.partitions.length) {
      if (partitions < topic.partitions.length) {
        throw new Error(`topic ${name} has ${topic.partitions.length} partitions; partitions can be added, never removed`);
      }
      await createPartitions(pool.bootstrap, new Map([[name, partitions]]));
    }
    if (changes.length > 0) await incrementalAlterConfigs(pool.bootstrap, RESOURCE_TYPE_TOPIC, name, changes);
    await writeOut(`Altered topic ${name}.\n`);
  });
}

async function remove(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { ...COMMON, 'if-exists': { type: 'boolean' } });
  if (values.help) return writeOut(DELETE_USAGE);
  if (positionals.length === 0) throw new UsageError('name the topics to delete');
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    let names = positionals;
    if (values['if-exists']) {
      const existing = (await fetchMetadata(pool.bootstrap, null)).topics;
      names = positionals.filter((n) => existing.has(n));
    }
    if (names.length === 0) return;
    await deleteTopics(pool.bootstrap, names);
    await writeOut(names.map((n) => `Deleted topic ${n}.\n`).join(''));
  });
}
