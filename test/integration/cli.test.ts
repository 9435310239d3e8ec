/**
 * The `samsa` command as people run it: `node dist/src/cli/samsa.js ...` in a child process,
 * against a broker started in-process on port 0. Each run is bounded by a kill timer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { KafkaConnection } from '../../src/client/kafka-connection.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { produceBatch } from '../../src/client/producer.js';
import { type SamsaRun, runSamsa } from '../support/samsa-cli.js';

const RUN_LIMIT_MS = 20_000;

type After = { after(fn: () => Promise<void> | void): void };

function samsa(args: readonly string[], input = ''): Promise<SamsaRun> {
  return runSamsa(args, { input, limitMs: RUN_LIMIT_MS });
}

async function withBroker(t: After): Promise<BrokerHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
  const broker = await startBroker({ port: 0, dataDir, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }) });
  t.after(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return broker;
}

/** Runs samsa with `--bootstrap` of `broker` appended and insists it succeeds. */
async function ok(broker: BrokerHandle, args: readonly string[], input = ''): Promise<SamsaRun> {
  const run = await samsa([...args, '--bootstrap', broker.bootstrap], input);
  assert.equal(run.code, 0, `samsa ${args.join(' ')} failed: ${run.stderr}`);
  return run;
}

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('samsa --help', () => {
  test('every command explains itself and exits 0', async () => {
    const commands = [
      [], ['topics'], ['topics', 'create'], ['topics', 'list'], ['topics', 'describe'], ['topics', 'alter'], ['topics', 'delete'],
      ['produce'], ['consume'], ['start'],
    ];
    const runs = await Promise.all(commands.map((c) => samsa([...c, '--help'])));
    runs.forEach((run, i) => {
      const name = ['samsa', ...commands[i]!].join(' ');
      assert.equal(run.code, 0, name);
      assert.equal(run.stderr, '', name);
      assert.match(run.stdout, /Usage:/, name);
      if (commands[i]!.length > 0 && commands[i]![0] !== 'start') assert.ok(run.stdout.includes(`Usage: ${name}`), `${name} prints its own usage`);
    });
    assert.match(runs[0]!.stdout, /samsa topics COMMAND/);
    assert.match(runs[8]!.stdout, /--from-beginning/);
  });
});

describe('samsa topics', () => {
  test('creates, lists, describes, alters and deletes a topic', async (t) => {
    const broker = await withBroker(t);
    assert.equal((await ok(broker, ['topics', 'create', 'orders', '--partitions', '2', '--config', 'retention.ms=3600000'])).stdout, 'Created topic orders.\n');
    await ok(broker, ['topics', 'create', 'audit']);
    assert.deepEqual(lines((await ok(broker, ['topics', 'list'])).stdout), ['audit', 'orders']);

    const described = lines((await ok(broker, ['topics', 'describe', 'orders'])).stdout);
    assert.equal(described.length, 3);
    assert.match(described[0]!, /^Topic: orders\tTopicId: \S{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention\.ms=3600000$/);
    assert.equal(described[1], `\tTopic: orders\tPartition: 0\tLeader: ${broker.nodeId}\tReplicas: ${broker.nodeId}\tIsr: ${broker.nodeId}`);

    const altered = await ok(broker, ['topics', 'alter', 'orders', '--partitions', '4', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms']);
    assert.equal(altered.stdout, 'Altered topic orders.\n');
    const after = lines((await ok(broker, ['topics', 'describe', 'orders'])).stdout);
    assert.match(after[0]!, /PartitionCount: 4\tReplicationFactor: 1\tConfigs: cleanup\.policy=compact$/);
    assert.equal(after.length, 5);

    assert.equal((await ok(broker, ['topics', 'describe'])).stdout.match(/^Topic: /gm)?.length, 2, 'describe without names covers every topic');
    assert.equal((await ok(broker, ['topics', 'delete', 'orders'])).stdout, 'Deleted topic orders.\n');
    assert.deepEqual(lines((await ok(broker, ['topics', 'list'])).stdout), ['audit']);
    await ok(broker, ['topics', 'delete', 'orders', '--if-exists']);
    await ok(broker, ['topics', 'create', 'audit', '--if-not-exists']);
  });
});

describe('samsa produce and consume', () => {
  test('keyed lines with headers come back with key, partition, offset, timestamp and headers', async (t) => {
    const broker = await withBroker(t);
    await ok(broker, ['topics', 'create', 'greetings', '--partitions', '3']);
    const input = ['user-1:hello', 'user-2:world', 'user-3:a:b', 'user-1:again', 'user-4:', 'user-2:bye'];
    const before = Date.now();
    const produced = await ok(broker, ['produce', 'greetings', '--key-separator', ':', '--header', 'source=cli', '--header', 'n=1'], `${input.join('\n')}\n`);
    const after = Date.now();
    assert.equal(produced.stdout, '');

    const consumed = await ok(broker, [
      'consume', 'greetings', '--from-beginning', '--max-messages', '6', '--timeout-ms', '10000',
      '--print-timestamp', '--print-partition', '--print-offset', '--print-headers', '--print-key',
    ]);
    assert.equal(consumed.stderr, 'Processed a total of 6 messages\n');
    const records = lines(consumed.stdout).map((line) => {
      const [timestamp, partition, offset, headers, key, value] = line.split('\t');
      return { timestamp: timestamp!, partition: Number(partition!.slice('Partition:'.length)), offset: Number(offset!.slice('Offset:'.length)), headers, key: key!, value };
    });
    assert.equal(records.length, 6);
    const nextOffset = new Map<number, number>();
    for (const line of input) {
      const [key] = line.split(':');
      const value = line.slice(key!.length + 1);
      const partition = partitionForKey(Buffer.from(key!), 3);
      const offset = nextOffset.get(partition) ?? 0;
      nextOffset.set(partition, offset + 1);
      const record = records.find((r) => r.key === key && r.value === value);
      assert.ok(record, `${line} was consumed`);
      assert.equal(record.partition, partition, `${key} lands where the Java partitioner puts it`);
      assert.equal(record.offset, offset, `${line} keeps its order within partition ${partition}`);
      assert.equal(record.headers, 'Headers:source:cli,n:1');
      const ts = /^CreateTime:(\d+)$/.exec(record.timestamp);
      assert.ok(ts && Number(ts[1]) >= before && Number(ts[1]) <= after, `timestamp ${record.timestamp}`);
    }
  });

  test('unkeyed lines reach a chosen partition with every compression codec and acks setting', async (t) => {
    const broker = await withBroker(t);
    await ok(broker, ['topics', 'create', 'logs', '--partitions', '2']);
    const runs: [string, string][] = [['none', 'all'], ['gzip', '1'], ['snappy', '-1'], ['lz4', '0'], ['zstd', 'all']];
    for (const [codec, acks] of runs) {
      await ok(broker, ['produce', 'logs', '--partition', '1', '--compression', codec, '--acks', acks], `${codec}-1\n${codec}-2\n`);
    }
    const consumed = await ok(broker, ['consume', 'logs', '--partition', '1', '--from-beginning', '--max-messages', '10', '--timeout-ms', '10000', '--print-key']);
    assert.deepEqual(lines(consumed.stdout), runs.flatMap(([codec]) => [`null\t${codec}-1`, `null\t${codec}-2`]));
    const other = await ok(broker, ['consume', 'logs', '--partition', '0', '--from-beginning', '--timeout-ms', '300']);
    assert.equal(other.stdout, '');
    assert.equal(other.stderr, 'Processed a total of 0 messages\n');
  });

  test('consume starts at an offset, and by default after the records already there', async (t) => {
    const broker = await withBroker(t);
    await ok(broker, ['topics', 'create', 'seq', '--partitions', '1']);
    await ok(broker, ['produce', 'seq'], Array.from({ length: 10 }, (_, i) => `m${i}\n`).join(''));
    const fromOffset = await ok(broker, ['consume', 'seq', '--offset', '7', '--print-offset', '--timeout-ms', '5000', '--max-messages', '3']);
    assert.deepEqual(lines(fromOffset.stdout), ['Offset:7\tm7', 'Offset:8\tm8', 'Offset:9\tm9']);
    const latest = await ok(broker, ['consume', 'seq', '--timeout-ms', '300']);
    assert.equal(latest.stdout, '');
    const separated = await ok(broker, ['consume', 'seq', '--offset', 'earliest', '--max-messages', '1', '--print-offset', '--key-separator', ' | ']);
    assert.equal(separated.stdout, 'Offset:0 | m0\n');
  });

  test('consume starts at the first record at or after a timestamp (ListOffsets)', async (t) => {
    const broker = await withBroker(t);
    await ok(broker, ['topics', 'create', 'clock', '--partitions', '1']);
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: broker.port });
    t.after(() => connection.close());
    const records = Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`t${i}`), timestamp: 1_000 + i * 100 }));
    await produceBatch(connection, 'clock', 0, records.slice(0, 2));
    await produceBatch(connection, 'clock', 0, records.slice(2), { compression: 1 });

    const run = await ok(broker, ['consume', 'clock', '--timestamp', '1150', '--print-timestamp', '--print-offset', '--max-messages', '3']);
    assert.deepEqual(lines(run.stdout), ['CreateTime:1200\tOffset:2\tt2', 'CreateTime:1300\tOffset:3\tt3', 'CreateTime:1400\tOffset:4\tt4']);
    const exact = await ok(broker, ['consume', 'clock', '--timestamp', '1100', '--max-messages', '1']);
    assert.equal(exact.stdout, 't1\n');
    const future = await ok(broker, ['consume', 'clock', '--timestamp', '99999', '--timeout-ms', '300']);
    assert.equal(future.stdout, '', 'a timestamp after every record starts at the end');
  });
});

describe('samsa errors', () => {
  test('no broker listening: one line naming the address and how to start one', async () => {
    const port = await closedPort();
    const commands = [['topics', 'list'], ['produce', 'x'], ['consume', 'x']];
    const runs = await Promise.all(commands.map((c) => samsa([...c, '--bootstrap', `127.0.0.1:${port}`])));
    runs.forEach((run, i) => {
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `samsa ${commands[i]!.join(' ').replace(/ x$/, '')}: no broker at 127.0.0.1:${port}: connection refused; start one with \`npm start\` or pass --bootstrap\n`);
    });
  });

  test('an unknown topic is named, whatever the command', async (t) => {
    const broker = await withBroker(t);
    const commands = [['consume', 'nope'], ['produce', 'nope'], ['topics', 'describe', 'nope'], ['topics', 'alter', 'nope', '--partitions', '2'], ['topics', 'delete', 'nope']];
    const runs = await Promise.all(commands.map((c) => samsa([...c, '--bootstrap', broker.bootstrap], 'x\n')));
    runs.forEach((run, i) => {
      assert.equal(run.code, 1, commands[i]!.join(' '));
      assert.equal(lines(run.stderr).length, 1);
      assert.match(run.stderr, /: unknown topic "nope" \(UNKNOWN_TOPIC_OR_PARTITION\); samsa topics list shows the topics there are\n$/);
    });
    assert.deepEqual(lines((await ok(broker, ['topics', 'list'])).stdout), [], 'asking about a topic does not create it');
  });

  test('bad arguments are refused before connecting, pointing at --help', async () => {
    const cases: [string[], RegExp][] = [
      [['consume'], /^samsa consume: name the topic to read; run samsa consume --help$/],
      [['consume', 't', '--bogus'], /^samsa consume: Unknown option '--bogus'; run samsa consume --help$/],
      [['consume', 't', '--partition', 'x'], /--partition expects an integer from 0 to \d+, got "x"/],
      [['consume', 't', '--max-messages', '0'], /--max-messages expects an integer >= 1, got "0"/],
      [['consume', 't', '--from-beginning', '--offset', '3'], /--from-beginning and --offset cannot be combined/],
      [['consume', 't', '--timestamp', 'yesterday'], /--timestamp expects an integer >= 0/],
      [['produce', 't', '--compression', 'brotli'], /^samsa produce: --compression expects none, gzip, snappy, lz4 or zstd, got "brotli"/],
      [['produce', 't', '--acks', '2'], /--acks expects all, -1, 1 or 0, got "2"/],
      [['produce', 't', '--header', 'novalue'], /--header expects KEY=VALUE, got "novalue"/],
      [['topics', 'create'], /^samsa topics create: name the topic; run samsa topics create --help$/],
      [['topics', 'create', 't', '--partitions', 'many'], /--partitions expects an integer from 1 to \d+/],
      [['topics', 'alter', 't'], /nothing to alter/],
      [['topics', 'delete'], /name the topics to delete/],
      [['topics', 'frob'], /^samsa topics: unknown topics command "frob"; run samsa topics --help$/],
      [['consume', 't', '--bootstrap', 'localhost'], /--bootstrap expected HOST:PORT, got "localhost"/],
      [['frob'], /^samsa: unknown command "frob"/],
    ];
    const runs = await Promise.all(cases.map(([args]) => samsa(args)));
    runs.forEach((run, i) => {
      const [args, expected] = cases[i]!;
      assert.equal(run.code, 1, args.join(' '));
      assert.equal(run.stdout, '', args.join(' '));
      assert.equal(lines(run.stderr).length, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr.trimEnd(), expected, args.join(' '));
    });
  });

  test("broker error codes are printed by Kafka's name and message", async (t) => {
    const broker = await withBroker(t);
    await ok(broker, ['topics', 'create', 'taken', '--partitions', '2']);
    const exists = await samsa(['topics', 'create', 'taken', '--bootstrap', broker.bootstrap]);
    assert.equal(exists.code, 1);
    assert.equal(exists.stderr, 'samsa topics create: topic taken: TOPIC_ALREADY_EXISTS: Topic with this name already exists. (topic taken already exists)\n');
    const badConfig = await samsa(['topics', 'create', 'other', '--config', 'retention.ms=soon', '--bootstrap', broker.bootstrap]);
    assert.match(badConfig.stderr, /^samsa topics create: topic other: INVALID_CONFIG: Configuration is invalid\. \(.*retention\.ms.*\)\n$/);
    const badName = await samsa(['topics', 'create', 'bad/name', '--bootstrap', broker.bootstrap]);
    assert.match(badName.stderr, /: topic bad\/name: INVALID_TOPIC_EXCEPTION: The request attempted to perform an operation on an invalid topic\./);
    const shrink = await samsa(['topics', 'alter', 'taken', '--partitions', '1', '--bootstrap', broker.bootstrap]);
    assert.equal(shrink.stderr, 'samsa topics alter: topic taken has 2 partitions; partitions can be added, never removed\n');
    const outOfRange = await samsa(['consume', 'taken', '--partition', '0', '--offset', '5', '--bootstrap', broker.bootstrap]);
    assert.equal(outOfRange.code, 1);
    assert.match(outOfRange.stderr, /^samsa consume: partition taken-0: OFFSET_OUT_OF_RANGE: The requested offset is not within the range of offsets maintained by the server\. \(asked for offset 5; the partition starts at 0 and ends at 0\)\n$/);
    const noPartition = await samsa(['consume', 'taken', '--partition', '7', '--bootstrap', broker.bootstrap]);
    assert.equal(noPartition.stderr, 'samsa consume: partition 7 does not exist: topic taken has partitions 0-1\n');
  });

  test('produce refuses a line without the key separator, after writing the lines before it', async (t) => {
    const broker = await withBroker(t);
    await ok(broker, ['topics', 'create', 'kv', '--partitions', '1']);
    const run = await samsa(['produce', 'kv', '--key-separator', '=', '--bootstrap', broker.bootstrap], 'a=1\nno separator\nb=2\n');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'samsa produce: line 2 has no key separator "="\n');
    const consumed = await ok(broker, ['consume', 'kv', '--from-beginning', '--print-key', '--timeout-ms', '300']);
    assert.deepEqual(lines(consumed.stdout), ['a\t1']);
  });
});
