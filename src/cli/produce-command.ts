/**
 * `samsa produce TOPIC`: each line of standard input becomes one record of TOPIC, as Kafka's
 * kafka-console-producer.sh does. With `--key-separator` a line is split at the first separator
 * into key and value (a line without one is refused, naming its line number); `--header`
 * adds headers to every record. Records are batched per partition by the client's Producer and
 * placed by the Java-compatible partitioner unless `--partition` names one.
 */
import { createInterface } from 'node:readline';
import { type Acks, Producer, type ProducerRecord, fetchMetadata, topicOf } from '../client/index.js';
import { type CompressionCodec, COMPRESSION_GZIP, COMPRESSION_LZ4, COMPRESSION_NONE, COMPRESSION_SNAPPY, COMPRESSION_ZSTD } from '../protocol/compression/index.js';
import type { RecordHeader } from '../protocol/record-batch/index.js';
import {
  BOOTSTRAP_HELP, UsageError, parseBootstrap, parseCommandArgs, parseIntegerOption, parseKeyValues, runCommand, withCluster, writeOut,
} from './command-line.js';

const USAGE = `Usage: samsa produce TOPIC [options] < records.txt

Writes each line of standard input as one record to TOPIC (the topic must exist).

Options:
${BOOTSTRAP_HELP}
  --key-separator SEP       split each line at the first SEP into key and value
                            (without it records have no key)
  --header KEY=VALUE        add a header to every record; repeat for more
  --partition N             write every record to partition N (default: by key hash as the
                            Java client does; records without a key fill batches in turn)
  --compression CODEC       none, gzip, snappy, lz4 or zstd (default none)
  --acks ACKS               all (or -1), 1 or 0 (default all)
  -h, --help                show this help

Example:
  printf 'user-1:hello\\nuser-2:world\\n' | samsa produce greetings --key-separator :
`;

const COMPRESSION: Readonly<Record<string, CompressionCodec>> = {
  none: COMPRESSION_NONE, gzip: COMPRESSION_GZIP, snappy: COMPRESSION_SNAPPY, lz4: COMPRESSION_LZ4, zstd: COMPRESSION_ZSTD,
};

const ACKS: Readonly<Record<string, Acks>> = { all: -1, '-1': -1, '1': 1, '0': 0 };

interface ProduceSettings {
  readonly topic: string;
  readonly keySeparator: string | undefined;
  readonly headers: readonly RecordHeader[];
  readonly partition: number | undefined;
  readonly compression: CompressionCodec;
  readonly acks: Acks;
}

export function produceCommand(args: readonly string[]): Promise<number> {
  return runCommand('produce', () => produce(args));
}

async function produce(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    bootstrap: { type: 'string' },
    'key-separator': { type: 'string' },
    header: { type: 'string', multiple: true },
    partition: { type: 'string' },
    compression: { type: 'string' },
    acks: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return writeOut(USAGE);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the topic to write to' : `expected one topic, got ${positionals.length}`);
  const compression = COMPRESSION[values.compression ?? 'none'];
  if (compression === undefined) throw new UsageError(`--compression expects none, gzip, snappy, lz4 or zstd, got ${JSON.stringify(values.compression)}`);
  const acks = ACKS[values.acks ?? 'all'];
  if (acks === undefined) throw new UsageError(`--acks expects all, -1, 1 or 0, got ${JSON.stringify(values.acks)}`);
  if (values['key-separator'] === '') throw new UsageError('--key-separator cannot be empty');
  const settings: ProduceSettings = {
    topic: positionals[0]!,
    keySeparator: values['key-separator'],
    headers: parseKeyValues('--header', values.header).map(([key, value]) => ({ key, value: Buffer.from(value) })),
    partition: values.partition === undefined ? undefined : parseIntegerOption('--partition', values.partition, 0, 2 ** 31 - 1),
    compression,
    acks,
  };
  await withCluster(parseBootstrap(values.bootstrap), async (pool) => {
    const metadata = await fetchMetadata(pool.bootstrap, [settings.topic]);
    const partitionCount = topicOf(metadata, settings.topic).partitions.length;
    if (settings.partition !== undefined && settings.partition >= partitionCount) {
      throw new Error(`partition ${settings.partition} does not exist: topic ${settings.topic} has partitions 0-${partitionCount - 1}`);
    }
    const producer = new Producer(pool, metadata, { acks: settings.acks, compression: settings.compression });
    if (process.stdin.isTTY) process.stderr.write('samsa produce: type one record per line; end with Ctrl-D\n');
    try {
      await sendLines(producer, settings);
    } catch (err) {
      // The lines before a bad one are still written, as kafka-console-producer writes them.
      await producer.flush().catch(() => undefined);
      throw err;
    }
    await producer.flush();
  });
}

async function sendLines(producer: Producer, settings: ProduceSettings): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      await producer.send(settings.topic, recordOf(line, lineNumber, settings), settings.partition);
    }
  } finally {
    lines.close();
  }
}

function recordOf(line: string, lineNumber: number, settings: ProduceSettings): ProducerRecord {
  const separator = settings.keySeparator;
  if (separator === undefined) return { key: null, value: Buffer.from(line), headers: settings.headers };
  const at = line.indexOf(separator);
  if (at < 0) throw new Error(`line ${lineNumber} has no key separator ${JSON.stringify(separator)}`);
  return {
    key: Buffer.from(line.slice(0, at)),
    value: Buffer.from(line.slice(at + separator.length)),
    headers: settings.headers,
  };
}
