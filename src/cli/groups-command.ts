/**
 * `samsa groups list|describe|delete|reset-offsets`: consumer group administration from the
 * command line, printing what Kafka's kafka-consumer-groups.sh prints — tables with a header
 * row, `-` where a value is absent — over the client's group admin (FindCoordinator, ListGroups,
 * DescribeGroups / ConsumerGroupDescribe, OffsetFetch, OffsetCommit, DeleteGroups) and
 * ListOffsets for the partitions' log start and end.
 */
import {
  type ClusterMetadata, type ConnectionPool, EARLIEST_TIMESTAMP, GROUP_STATE_DEAD, GROUP_STATE_EMPTY, type GroupDescription,
  KafkaResponseError, LATEST_TIMESTAMP, commitOffsets, deleteGroups, describeGroups, fetchMetadata, fetchOffsets, listGroups, listOffsets, topicOf,
} from '../client/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  BOOTSTRAP_HELP, UsageError, parseBootstrap, parseCommandArgs, parseIntegerOption, runSubcommand, withCluster, writeOut,
} from './command-line.js';

const USAGE = `Usage: samsa groups COMMAND [options]

Commands:
  list                      list the groups with their type, state and protocol type
  describe GROUP...         show a group's state, members and, per partition, committed offset, log end and lag
  delete GROUP...           delete groups without members, with their committed offsets
  reset-offsets GROUP       plan new committed offsets for a group without members; --execute commits them

Run samsa groups COMMAND --help for the options of each.
`;

const LIST_USAGE = `Usage: samsa groups list [options]

Prints one line per group: its id, type (classic or consumer), state and protocol type.

Options:
${BOOTSTRAP_HELP}
  --state STATE             only groups in this state (Empty, Stable, ...); repeat for more
  --type TYPE               only groups of this type (classic, consumer); repeat for more
  -h, --help                show this help
`;

const DESCRIBE_USAGE = `Usage: samsa groups describe GROUP... [options]

Prints, per group, its type, state, protocol type, assignor and coordinator; its members (member
id, group instance id, client id, host, assigned partitions); then one line per partition with
its committed offset, log end offset, lag and owning member.

Options:
${BOOTSTRAP_HELP}
  -h, --help                show this help
`;

const DELETE_USAGE = `Usage: samsa groups delete GROUP... [options]

Deletes each group and its committed offsets. A group with members is refused: stop them first.

Options:
${BOOTSTRAP_HELP}
  -h, --help                show this help
`;

const RESET_USAGE = `Usage: samsa groups reset-offsets GROUP (--topic TOPIC[:P,...] | --all-topics) OFFSETS [--dry-run | --execute] [options]

Sets a group's committed offsets, as kafka-consumer-groups.sh --reset-offsets does. By default a
dry run: prints the plan (topic, partition, current offset, new offset) and commits nothing. Only
a group without members can be reset: stop its consumers first. New offsets are kept within each
partition's log start and log end offsets.

Partitions:
  --topic TOPIC[:P,...]     every partition of TOPIC, or only those listed; repeat for more topics
  --all-topics              every partition the group has committed offsets for

OFFSETS, one of:
  --to-earliest             the log start offset
  --to-latest               the log end offset
  --to-offset N             offset N
  --to-datetime DATETIME    the first offset at or after an ISO 8601 time: 2024-05-01T12:00:00Z,
                            2024-05-01T14:00:00.000+02:00, or local time without a zone
  --shift-by N              the committed offset moved by N (negative moves back)

Options:
${BOOTSTRAP_HELP}
  --dry-run                 print the plan only (the default)
  --execute                 commit the new offsets
  -h, --help                show this help
`;

const COMMON = { bootstrap: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export function groupsCommand(args: readonly string[]): Promise<number> {
  return runSubcommand('groups', USAGE, args, { list, describe, delete: remove, 'reset-offsets': resetOffsets });
}

/** Columns padded to their widest cell, two spaces apart, as kafka-consumer-groups.sh lays them out. */
function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

/** The one line for a group that does not exist. */
function unknownGroup(groupId: string): Error {
  return new Error(`unknown group ${JSON.stringify(groupId)}; samsa groups list shows the groups there are`);
}

/** A refusal because the group has members, said plainly; anything else unchanged. */
function explainGroupError(err: unknown, groupId: string): unknown {
  if (!(err instanceof KafkaResponseError)) return err;
  if (err.code === ErrorCode.GROUP_ID_NOT_FOUND) return unknownGroup(groupId);
  const isActive = err.code === ErrorCode.NON_EMPTY_GROUP || err.code === ErrorCode.UNKNOWN_MEMBER_ID || err.code === ErrorCode.ILLEGAL_GENERATION
    || err.code === ErrorCode.REBALANCE_IN_PROGRESS || err.code === ErrorCode.STALE_MEMBER_EPOCH;
  return isActive ? new Error(`group ${groupId} has active members (${err.errorName}); stop them first`) : err;
}

async function list(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON,
    state: { type: 'string', multiple: true },
    type: { type: 'string', multiple: true },
  });
  if (values.help) return writeOut(LIST_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    const groups = await listGroups(pool, { states: values.state ?? [], types: values.type ?? [] });
    const rows = groups.map((g) => [g.groupId, g.type || '-', g.state || '-', g.protocolType || '-']);
    await writeOut(formatTable(['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], rows));
  });
}

async function describe(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, COMMON);
  if (values.help) return writeOut(DESCRIBE_USAGE);
  if (positionals.length === 0) throw new UsageError('name the group to describe');
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    const groups = await describeGroups(pool, positionals);
    const missing = groups.find((g) => g.state === GROUP_STATE_DEAD);
    if (missing) throw unknownGroup(missing.groupId);
    const metadata = await fetchMetadata(pool.bootstrap, null);
    const texts: string[] = [];
    for (const group of groups) texts.push(await describeGroup(pool, metadata, group));
    await writeOut(texts.join('\n'));
  });
}

async function describeGroup(pool: ConnectionPool, metadata: ClusterMetadata, group: GroupDescription): Promise<string> {
  const head = [`Group: ${group.groupId}`, `Type: ${group.type}`, `State: ${group.state}`, `ProtocolType: ${group.protocolType || '-'}`];
  head.push(`${group.protocolType === 'consumer' ? 'Assignor' : 'Protocol'}: ${group.protocol || '-'}`);
  if (group.type === 'consumer') head.push(`GroupEpoch: ${group.groupEpoch}`);
  head.push(`Coordinator: ${group.coordinator.nodeId}`, `Members: ${group.members.length}`);
  const sections = [`${head.join('\t')}\n`];
  if (group.members.length > 0) {
    const rows = group.members.map((m) => [m.memberId, m.instanceId ?? '-', m.clientId, m.clientHost, formatAssignment(m.assignment)]);
    sections.push(formatTable(['MEMBER-ID', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'], rows));
  }
  const rows = await partitionRows(pool, metadata, group);
  if (rows.length > 0) {
    sections.push(formatTable(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'HOST', 'CLIENT-ID'], rows));
  }
  return sections.join('\n');
}

function formatAssignment(assignment: GroupDescription['members'][number]['assignment']): string {
  if (assignment === null) return '?';
  if (assignment.length === 0) return '-';
  return assignment.map((t) => `${t.topic}(${t.partitions.join(',')})`).join(',');
}

/**
 * One row per partition the group has committed or a member owns, as kafka-consumer-groups.sh
 * --describe: a partition without a commit shows `-` for its offset and lag, one without an
 * owner `-` for the member.
 */
async function partitionRows(pool: ConnectionPool, metadata: ClusterMetadata, group: GroupDescription): Promise<string[][]> {
  const committed = new Map((await fetchOffsets(pool, group.groupId)).map((o) => [partitionKey(o.topic, o.partition), o.offset]));
  const owners = new Map<string, GroupDescription['members'][number]>();
  for (const member of group.members) {
    for (const t of member.assignment ?? []) for (const p of t.partitions) owners.set(partitionKey(t.topic, p), member);
  }
  const partitions = [...new Set([...committed.keys(), ...owners.keys()])].map(parsePartitionKey);
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const logEnds = await logOffsets(pool, metadata, partitions, LATEST_TIMESTAMP);
  return partitions.map(({ topic, partition }) => {
    const key = partitionKey(topic, partition);
    const offset = committed.get(key);
    const logEnd = logEnds.get(key);
    const owner = owners.get(key);
    const lag = offset !== undefined && logEnd !== undefined ? String(logEnd - offset) : '-';
    return [
      group.groupId, topic, String(partition), offset === undefined ? '-' : String(offset), logEnd === undefined ? '-' : String(logEnd), lag,
      owner?.memberId ?? '-', owner?.clientHost ?? '-', owner?.clientId ?? '-',
    ];
  });
}

interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `topic:partition`: topic names cannot contain a colon, so the key is unambiguous. */
function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

function parsePartitionKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/**
 * The offset at `timestamp` (ListOffsets, asked of each partition's leader) of each partition, by
 * partitionKey. Partitions of topics that no longer exist, or without a leader right now, are
 * left out.
 */
async function logOffsets(
  pool: ConnectionPool, metadata: ClusterMetadata, partitions: readonly TopicPartition[], timestamp: number,
): Promise<Map<string, number>> {
  const asks = new Map<string, { leaderId: number; topic: string; partitions: number[] }>();
  for (const { topic, partition } of partitions) {
    const leaderId = metadata.topics.get(topic)?.partitions.find((p) => p.partition === partition)?.leaderId ?? -1;
    if (leaderId < 0) continue;
    const at = `${leaderId}/${topic}`;
    const ask = asks.get(at) ?? { leaderId, topic, partitions: [] };
    ask.partitions.push(partition);
    asks.set(at, ask);
  }
  const offsets = new Map<string, number>();
  for (const ask of asks.values()) {
    const connection = await pool.connectionTo(ask.leaderId, metadata);
    for (const [partition, found] of await listOffsets(connection, ask.topic, ask.partitions, timestamp)) {
      offsets.set(partitionKey(ask.topic, partition), found.offset);
    }
  }
  return offsets;
}

async function remove(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, COMMON);
  if (values.help) return writeOut(DELETE_USAGE);
  if (positionals.length === 0) throw new UsageError('name the groups to delete');
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    let failure: unknown = null;
    for (const groupId of positionals) {
      try {
        await deleteGroups(pool, [groupId]);
        await writeOut(`Deleted group ${groupId}.\n`);
      } catch (err) {
        failure ??= explainGroupError(err, groupId);
      }
    }
    if (failure !== null) throw failure;
  });
}

type ResetSpec =
  | { readonly kind: 'earliest' | 'latest' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'datetime'; readonly timestampMs: number }
  | { readonly kind: 'shift'; readonly by: number };

interface TopicScope {
  readonly topic: string;
  /** null: every partition of the topic. */
  readonly partitions: readonly number[] | null;
}

interface PlannedOffset extends TopicPartition {
  readonly currentOffset: number | undefined;
  readonly newOffset: number;
}

async function resetOffsets(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON,
    topic: { type: 'string', multiple: true },
    'all-topics': { type: 'boolean' },
    'to-earliest': { type: 'boolean' },
    'to-latest': { type: 'boolean' },
    'to-offset': { type: 'string' },
    'to-datetime': { type: 'string' },
    'shift-by': { type: 'string' },
    'dry-run': { type: 'boolean' },
    execute: { type: 'boolean' },
  });
  if (values.help) return writeOut(RESET_USAGE);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the group' : `expected one group, got ${positionals.length}`);
  const groupId = positionals[0]!;
  const topics = values.topic ?? [];
  if ((topics.length > 0) === (values['all-topics'] === true)) throw new UsageError('choose the partitions: --topic TOPIC[:P,...] or --all-topics');
  const scopes = values['all-topics'] ? null : topics.map(parseTopicScope);
  const spec = parseResetSpec(values);
  if (values['dry-run'] && values.execute) throw new UsageError('--dry-run and --execute cannot be combined');
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    // Kafka's tool checks the state first too: offsets of a group with members are theirs to commit.
    const [group] = await describeGroups(pool, [groupId]);
    if (group!.state !== GROUP_STATE_EMPTY && group!.state !== GROUP_STATE_DEAD) {
      throw new Error(`group ${groupId} has active members (state ${group!.state}); stop them first`);
    }
    const metadata = await fetchMetadata(pool.bootstrap, null);
    const current = new Map((await fetchOffsets(pool, groupId)).map((o) => [partitionKey(o.topic, o.partition), o.offset]));
    const partitions = scopes === null ? committedPartitions(groupId, current) : scopes.flatMap((s) => scopePartitions(metadata, s));
    const plan = await planReset(pool, metadata, partitions, current, spec);
    if (values.execute) {
      try {
        await commitOffsets(pool, groupId, plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.newOffset })));
      } catch (err) {
        throw explainGroupError(err, groupId);
      }
    } else if (!values['dry-run']) {
      process.stderr.write('samsa groups reset-offsets: dry run, nothing was committed; add --execute to commit these offsets\n');
    }
    const rows = plan.map((p) => [groupId, p.topic, String(p.partition), p.currentOffset === undefined ? '-' : String(p.currentOffset), String(p.newOffset)]);
    await writeOut(formatTable(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], rows));
  });
}

function parseTopicScope(text: string): TopicScope {
  const at = text.indexOf(':');
  if (at < 0) return { topic: text, partitions: null };
  const list = text.slice(at + 1).split(',');
  if (at === 0 || list.some((p) => !/^\d+$/.test(p))) throw new UsageError(`--topic expects TOPIC or TOPIC:PARTITION,..., got ${JSON.stringify(text)}`);
  return { topic: text.slice(0, at), partitions: list.map(Number) };
}

function parseResetSpec(values: {
  'to-earliest'?: boolean; 'to-latest'?: boolean; 'to-offset'?: string; 'to-datetime'?: string; 'shift-by'?: string;
}): ResetSpec {
  const specs: ResetSpec[] = [];
  if (values['to-earliest']) specs.push({ kind: 'earliest' });
  if (values['to-latest']) specs.push({ kind: 'latest' });
  if (values['to-offset'] !== undefined) specs.push({ kind: 'offset', offset: parseIntegerOption('--to-offset', values['to-offset'], 0) });
  if (values['to-datetime'] !== undefined) specs.push({ kind: 'datetime', timestampMs: parseDatetime(values['to-datetime']) });
  if (values['shift-by'] !== undefined) {
    specs.push({ kind: 'shift', by: parseIntegerOption('--shift-by', values['shift-by'], -Number.MAX_SAFE_INTEGER) });
  }
  if (specs.length !== 1) {
    throw new UsageError(`${specs.length === 0 ? 'choose' : 'choose only'} one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by`);
  }
  return specs[0]!;
}

/** ISO 8601 as kafka-consumer-groups.sh takes it: a zone (Z, +02:00, +0200) or, without one, local time. */
function parseDatetime(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  const zone = match?.[2]?.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') ?? '';
  const ms = match ? Date.parse(`${match[1]}${zone}`) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--to-datetime expects an ISO 8601 date and time such as 2024-05-01T12:00:00Z, got ${JSON.stringify(text)}`);
  return ms;
}

function committedPartitions(groupId: string, current: ReadonlyMap<string, number>): TopicPartition[] {
  if (current.size === 0) throw new Error(`group ${groupId} has no committed offsets; name the partitions with --topic`);
  return [...current.keys()].map(parsePartitionKey);
}

function scopePartitions(metadata: ClusterMetadata, scope: TopicScope): TopicPartition[] {
  const topic = topicOf(metadata, scope.topic);
  const all = topic.partitions.map((p) => p.partition);
  const missing = scope.partitions?.find((p) => !all.includes(p));
  if (missing !== undefined) throw new Error(`partition ${missing} does not exist: topic ${topic.name} has partitions 0-${all.length - 1}`);
  return (scope.partitions ?? all).map((partition) => ({ topic: topic.name, partition }));
}

/** Each partition's new offset, kept within its log start and log end as Kafka's tool keeps it. */
async function planReset(
  pool: ConnectionPool, metadata: ClusterMetadata, partitions: readonly TopicPartition[], current: ReadonlyMap<string, number>, spec: ResetSpec,
): Promise<PlannedOffset[]> {
  const starts = await logOffsets(pool, metadata, partitions, EARLIEST_TIMESTAMP);
  const ends = await logOffsets(pool, metadata, partitions, LATEST_TIMESTAMP);
  const atTime = spec.kind === 'datetime' ? await logOffsets(pool, metadata, partitions, spec.timestampMs) : new Map<string, number>();
  return partitions.map(({ topic, partition }) => {
    const key = partitionKey(topic, partition);
    const start = starts.get(key);
    const end = ends.get(key);
    if (start === undefined || end === undefined) throw new Error(`partition ${topic}-${partition} has no leader right now; try again shortly`);
    const currentOffset = current.get(key);
    const clamp = (offset: number): number => Math.min(Math.max(offset, start), end);
    let newOffset: number;
    switch (spec.kind) {
      case 'earliest': newOffset = start; break;
      case 'latest': newOffset = end; break;
      case 'offset': newOffset = clamp(spec.offset); break;
      // No record at or after the time: the log end, as Kafka's tool does.
      case 'datetime': newOffset = (atTime.get(key) ?? -1) >= 0 ? clamp(atTime.get(key)!) : end; break;
      case 'shift':
        if (currentOffset === undefined) throw new Error(`cannot shift partition ${topic}-${partition}: group has no committed offset there`);
        newOffset = clamp(currentOffset + spec.by);
        break;
    }
    return { topic, partition, currentOffset, newOffset };
  });
}
