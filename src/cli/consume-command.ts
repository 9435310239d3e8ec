/**
 * `samsa consume TOPIC`: prints the records of TOPIC, one per line, as Kafka's
 * kafka-console-consumer.sh does — the value, preceded (when asked) by the timestamp, partition,
 * offset, headers and key in that order, separated by a tab — without a consumer group: it
 * reads the partitions directly from a starting position found with ListOffsets (latest by
 * default; earliest, an offset, or the first record at a timestamp). It stops after
 * `--max-messages`, after `--timeout-ms` without a new record, or on Ctrl-C, and then reports on
 * stderr how many records it printed.
 */
import {
  type ConnectionPool, type ConsumerRecord, EARLIEST_TIMESTAMP, Fetcher, type KafkaConnection, LATEST_TIMESTAMP, type TopicMetadata,
  fetchMetadata, listOffsets, topicOf,
} from '../client/index.js';
import {
  BOOTSTRAP_HELP, UsageError, parseBootstrap, parseCommandArgs, parseIntegerOption, runCommand, withCluster, writeOut,
} from './command-line.js';

const USAGE = `Usage: samsa consume TOPIC [options]

Prints the value of each record of TOPIC, one per line.

Options:
${BOOTSTRAP_HELP}
Where to start (default: only records written from now on):
  --from-beginning          from the first record still stored
  --offset N                from offset N of each partition read (also: earliest, latest)
  --timestamp MS            from the first record with a timestamp at or after MS
                            (milliseconds since the epoch)
Which partitions:
  --partition N             read only partition N (default: all)
When to stop (default: never; Ctrl-C stops):
  --max-messages N          after N records
  --timeout-ms MS           when no record arrives for MS milliseconds
What to print before the value, in this order:
  --print-timestamp         CreateTime:MS (or LogAppendTime:MS)
  --print-partition         Partition:N
  --print-offset            Offset:N
  --print-headers           Headers:KEY:VALUE,... (NO_HEADERS when there are none)
  --print-key               the key (null when there is none)
  --key-separator SEP       between the printed fields (default: a tab)
  -h, --help                show this help

Example:
  samsa consume greetings --from-beginning --print-key --max-messages 10 --timeout-ms 5000
`;

/** Where each partition starts: a ListOffsets timestamp, or an exact offset. */
type StartPosition = { readonly timestamp: number } | { readonly offset: number };

interface PrintSettings {
  readonly timestamp: boolean;
  readonly partition: boolean;
  readonly offset: boolean;
  readonly headers: boolean;
  readonly key: boolean;
  readonly separator: string;
}

interface ConsumeSettings {
  readonly topic: string;
  readonly start: StartPosition;
  readonly partition: number | undefined;
  readonly maxMessages: number;
  readonly timeoutMs: number;
  readonly print: PrintSettings;
}

/** How long one Fetch may wait at the broker: short enough to notice Ctrl-C and timeouts promptly. */
const POLL_MS = 500;

export function consumeCommand(args: readonly string[]): Promise<number> {
  return runCommand('consume', () => consume(args));
}

async function consume(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    bootstrap: { type: 'string' },
    'from-beginning': { type: 'boolean' },
    offset: { type: 'string' },
    timestamp: { type: 'string' },
    partition: { type: 'string' },
    'max-messages': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'print-timestamp': { type: 'boolean' },
    'print-partition': { type: 'boolean' },
    'print-offset': { type: 'boolean' },
    'print-headers': { type: 'boolean' },
    'print-key': { type: 'boolean' },
    'key-separator': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return writeOut(USAGE);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the topic to read' : `expected one topic, got ${positionals.length}`);
  const starts = [values['from-beginning'] ? '--from-beginning' : null, values.offset !== undefined ? '--offset' : null, values.timestamp !== undefined ? '--timestamp' : null]
    .filter((s) => s !== null);
  if (starts.length > 1) throw new UsageError(`${starts.join(' and ')} cannot be combined: choose one place to start`);
  const settings: ConsumeSettings = {
    topic: positionals[0]!,
    start: startPosition(values['from-beginning'] === true, values.offset, values.timestamp),
    partition: values.partition === undefined ? undefined : parseIntegerOption('--partition', values.partition, 0, 2 ** 31 - 1),
    maxMessages: values['max-messages'] === undefined ? Infinity : parseIntegerOption('--max-messages', values['max-messages'], 1),
    timeoutMs: values['timeout-ms'] === undefined ? Infinity : parseIntegerOption('--timeout-ms', values['timeout-ms'], 0),
    print: {
      timestamp: values['print-timestamp'] === true,
      partition: values['print-partition'] === true,
      offset: values['print-offset'] === true,
      headers: values['print-headers'] === true,
      key: values['print-key'] === true,
      separator: values['key-separator'] ?? '\t',
    },
  };
  await withCluster(parseBootstrap(values.bootstrap), (pool) => consumeFrom(pool, settings));
}

function startPosition(fromBeginning: boolean, offset: string | undefined, timestamp: string | undefined): StartPosition {
  if (fromBeginning || offset === 'earliest') return { timestamp: EARLIEST_TIMESTAMP };
  if (offset === 'latest') return { timestamp: LATEST_TIMESTAMP };
  if (offset !== undefined) return { offset: parseIntegerOption('--offset', offset, 0) };
  if (timestamp !== undefined) return { timestamp: parseIntegerOption('--timestamp', timestamp, 0) };
  return { timestamp: LATEST_TIMESTAMP };
}

async function consumeFrom(pool: ConnectionPool, settings: ConsumeSettings): Promise<void> {
  const metadata = await fetchMetadata(pool.bootstrap, [settings.topic]);
  const topic = topicOf(metadata, settings.topic);
  const partitions = chosenPartitions(topic, settings.partition);
  const fetchers: Fetcher[] = [];
  for (const [leaderId, group] of byLeader(topic, partitions)) {
    const connection = await pool.connectionTo(leaderId, metadata);
    fetchers.push(new Fetcher(connection, topic, await startOffsets(connection, topic.name, group, settings.start)));
  }

  let stopped = false;
  const stop = (): void => {
    stopped = true;
    void pool.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let printed = 0;
  try {
    let idleSince = Date.now();
    while (printed < settings.maxMessages) {
      const idleLeft = settings.timeoutMs - (Date.now() - idleSince);
      if (idleLeft <= 0) break;
      const batches = await Promise.all(fetchers.map((f) => f.fetch(Math.min(POLL_MS, idleLeft))));
      const records = batches.flat().slice(0, settings.maxMessages - printed);
      if (records.length === 0) continue;
      idleSince = Date.now();
      printed += records.length;
      await writeOut(records.map((r) => formatRecord(r, settings.print)).join(''));
    }
  } catch (err) {
    if (!stopped) throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  process.stderr.write(`Processed a total of ${printed} messages\n`);
}

function chosenPartitions(topic: TopicMetadata, partition: number | undefined): number[] {
  const all = topic.partitions.map((p) => p.partition);
  if (partition === undefined) return all;
  if (!all.includes(partition)) throw new Error(`partition ${partition} does not exist: topic ${topic.name} has partitions 0-${all.length - 1}`);
  return [partition];
}

function byLeader(topic: TopicMetadata, partitions: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const p of topic.partitions) {
    if (!partitions.includes(p.partition)) continue;
    if (p.leaderId < 0) throw new Error(`partition ${topic.name}-${p.partition} has no leader right now; try again shortly`);
    const group = groups.get(p.leaderId) ?? [];
    group.push(p.partition);
    groups.set(p.leaderId, group);
  }
  return groups;
}

/** Each partition's first offset to read. A timestamp later than every record starts at the end. */
async function startOffsets(connection: KafkaConnection, topic: string, partitions: readonly number[], start: StartPosition): Promise<Map<number, number>> {
  if ('offset' in start) return new Map(partitions.map((p) => [p, start.offset]));
  const found = await listOffsets(connection, topic, partitions, start.timestamp);
  const missing = partitions.filter((p) => (found.get(p)?.offset ?? -1) < 0);
  const latest = missing.length > 0 ? await listOffsets(connection, topic, missing, LATEST_TIMESTAMP) : new Map();
  return new Map(partitions.map((p) => {
    const offset = found.get(p)?.offset ?? -1;
    return [p, offset >= 0 ? offset : latest.get(p)?.offset ?? 0];
  }));
}

function formatRecord(record: ConsumerRecord, print: PrintSettings): string {
  const fields: string[] = [];
  if (print.timestamp) fields.push(`${record.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}:${record.timestamp}`);
  if (print.partition) fields.push(`Partition:${record.partition}`);
  if (print.offset) fields.push(`Offset:${record.offset}`);
  if (print.headers) {
    fields.push(record.headers.length === 0
      ? 'NO_HEADERS'
      : `Headers:${record.headers.map((h) => `${h.key}:${h.value === null ? 'null' : h.value.toString('utf8')}`).join(',')}`);
  }
  if (print.key) fields.push(record.key === null ? 'null' : record.key.toString('utf8'));
  fields.push(record.value === null ? 'null' : record.value.toString('utf8'));
  return `${fields.join(print.separator)}\n`;
}
