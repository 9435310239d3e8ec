/**
 * `samsa groups` as people run it: `node dist/src/cli/samsa.js groups ...` in a child process,
 * against a broker started in-process on port 0. Group state comes from the client's own
 * commitOffsets (a group that only holds offsets) and from real kafkajs consumers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import {
  type ClientApi, ConnectionPool, type GroupDescription, commitOffsets, createTopics, describeGroups, fetchOffsets, produceBatch, withGroupCoordinator,
} from '../../src/client/index.js';
import {
  API_BY_KEY, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, defaultConsumerGroupHeartbeatRequest,
} from '../../src/protocol/generated/index.js';
import { type SamsaRun, runSamsa } from '../support/samsa-cli.js';

const RUN_LIMIT_MS = 30_000;

type After = { after(fn: () => Promise<void> | void): void };

function samsa(args: readonly string[]): Promise<SamsaRun> {
  return runSamsa(args, { limitMs: RUN_LIMIT_MS });
}

/** A broker whose classic groups rebalance without the initial 3 s wait, with its client pool. */
async function withBroker(t: After): Promise<{ broker: BrokerHandle; pool: ConnectionPool }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-cli-groups-'));
  const broker = await startBroker({
    port: 0, dataDir, config: { 'group.initial.rebalance.delay.ms': '0' }, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }),
  });
  const pool = await ConnectionPool.open({ host: '127.0.0.1', port: broker.port });
  t.after(async () => {
    await pool.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { broker, pool };
}

/** Runs `samsa groups ...` against `broker` and insists it succeeds. */
async function ok(broker: BrokerHandle, args: readonly string[]): Promise<SamsaRun> {
  const run = await samsa(['groups', ...args, '--bootstrap', broker.bootstrap]);
  assert.equal(run.code, 0, `samsa groups ${args.join(' ')} failed: ${run.stderr}`);
  return run;
}

/** Runs `samsa groups ...` against `broker` and insists it fails with one line on stderr. */
async function fails(broker: BrokerHandle, args: readonly string[]): Promise<string> {
  const run = await samsa(['groups', ...args, '--bootstrap', broker.bootstrap]);
  assert.equal(run.code, 1, `samsa groups ${args.join(' ')} should fail: ${run.stdout}`);
  assert.equal(run.stderr.split('\n').filter((l) => l !== '').length, 1, run.stderr);
  return run.stderr;
}

/** A table's rows as their cells, header row first. */
function table(text: string): string[][] {
  return text.split('\n').filter((l) => l !== '').map((l) => l.split(/ {2,}/));
}

/** The describe output's partition table, without its header, as [topic, partition, current, log end, lag, member]. */
function offsetRows(describe: string): string[][] {
  const start = describe.indexOf('GROUP  ');
  return table(describe.slice(start)).slice(1).map((r) => [r[1]!, r[2]!, r[3]!, r[4]!, r[5]!, r[6]!]);
}

/** Topic `orders`: four partitions of ten records each; partition 2's timestamps are 1000, 1100, ... 1900. */
async function ordersTopic(pool: ConnectionPool): Promise<void> {
  await createTopics(pool.bootstrap, [{ name: 'orders', numPartitions: 4 }]);
  for (let partition = 0; partition < 4; partition++) {
    const records = Array.from({ length: 10 }, (_, i) => ({
      key: null, value: Buffer.from(`p${partition}-${i}`), timestamp: partition === 2 ? 1_000 + i * 100 : undefined,
    }));
    await produceBatch(pool.bootstrap, 'orders', partition, records);
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('samsa groups --help', () => {
  test('every groups command explains itself and exits 0', async () => {
    const commands = [['groups'], ['groups', 'list'], ['groups', 'describe'], ['groups', 'delete'], ['groups', 'reset-offsets']];
    const runs = await Promise.all(commands.map((c) => samsa([...c, '--help'])));
    runs.forEach((run, i) => {
      const name = ['samsa', ...commands[i]!].join(' ');
      assert.equal(run.code, 0, name);
      assert.equal(run.stderr, '', name);
      assert.ok(run.stdout.includes(`Usage: ${name}`), `${name} prints its own usage`);
    });
    assert.match(runs[4]!.stdout, /--to-datetime/);
    assert.match((await samsa(['--help'])).stdout, /samsa groups COMMAND/);
  });
});

describe('samsa groups on a group that only holds offsets', () => {
  test('lists, describes with lag, resets and deletes it', async (t) => {
    const { broker, pool } = await withBroker(t);
    await ordersTopic(pool);
    await commitOffsets(pool, 'billing', [{ topic: 'orders', partition: 0, offset: 3 }, { topic: 'orders', partition: 1, offset: 10 }]);

    assert.deepEqual(table((await ok(broker, ['list'])).stdout), [['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], ['billing', 'classic', 'Empty', '-']]);
    assert.deepEqual(table((await ok(broker, ['list', '--state', 'Stable'])).stdout), [['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE']]);

    const described = (await ok(broker, ['describe', 'billing'])).stdout;
    assert.equal(described.split('\n')[0], `Group: billing\tType: classic\tState: Empty\tProtocolType: -\tProtocol: -\tCoordinator: ${broker.nodeId}\tMembers: 0`);
    assert.deepEqual(offsetRows(described), [['orders', '0', '3', '10', '7', '-'], ['orders', '1', '10', '10', '0', '-']]);

    const dryRun = await ok(broker, ['reset-offsets', 'billing', '--topic', 'orders', '--to-earliest']);
    assert.deepEqual(table(dryRun.stdout), [
      ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
      ['billing', 'orders', '0', '3', '0'], ['billing', 'orders', '1', '10', '0'], ['billing', 'orders', '2', '-', '0'], ['billing', 'orders', '3', '-', '0'],
    ]);
    assert.match(dryRun.stderr, /dry run, nothing was committed; add --execute/);
    assert.deepEqual((await fetchOffsets(pool, 'billing')).map((o) => o.offset), [3, 10], 'a dry run commits nothing');

    const clamped = await ok(broker, ['reset-offsets', 'billing', '--topic', 'orders:0', '--to-offset', '99', '--execute']);
    assert.deepEqual(table(clamped.stdout)[1], ['billing', 'orders', '0', '3', '10'], 'past the log end: the log end');
    assert.equal(clamped.stderr, '');
    await ok(broker, ['reset-offsets', 'billing', '--topic', 'orders:0,1', '--shift-by', '-4', '--execute']);
    await ok(broker, ['reset-offsets', 'billing', '--topic', 'orders:2', '--to-datetime', '1970-01-01T00:00:01.250Z', '--execute']);
    await ok(broker, ['reset-offsets', 'billing', '--topic', 'orders:3', '--to-datetime', '2100-01-01T00:00:00+0000', '--execute']);
    const offsets = await fetchOffsets(pool, 'billing');
    assert.deepEqual(offsets.map((o) => [o.partition, o.offset]), [[0, 6], [1, 6], [2, 3], [3, 10]]);
    const all = await ok(broker, ['reset-offsets', 'billing', '--all-topics', '--shift-by', '-100', '--dry-run']);
    assert.deepEqual(table(all.stdout).slice(1).map((r) => r[4]), ['0', '0', '0', '0'], 'before the log start: the log start');
    assert.equal(all.stderr, '');

    assert.equal((await ok(broker, ['delete', 'billing'])).stdout, 'Deleted group billing.\n');
    assert.deepEqual(table((await ok(broker, ['list'])).stdout).length, 1);
    assert.equal(await fails(broker, ['describe', 'billing']), 'samsa groups describe: unknown group "billing"; samsa groups list shows the groups there are\n');
    assert.match(await fails(broker, ['delete', 'billing']), /^samsa groups delete: unknown group "billing"/);
  });

  test('refuses what Kafka refuses, in one line', async (t) => {
    const { broker, pool } = await withBroker(t);
    await ordersTopic(pool);
    await commitOffsets(pool, 'billing', [{ topic: 'orders', partition: 0, offset: 3 }]);
    assert.match(await fails(broker, ['reset-offsets', 'billing', '--topic', 'orders:1', '--shift-by', '1']), /cannot shift partition orders-1: group has no committed offset there/);
    assert.match(await fails(broker, ['reset-offsets', 'billing', '--topic', 'nope', '--to-latest']), /unknown topic "nope"/);
    assert.match(await fails(broker, ['reset-offsets', 'billing', '--topic', 'orders:9', '--to-latest']), /partition 9 does not exist: topic orders has partitions 0-3/);
    assert.match(await fails(broker, ['reset-offsets', 'fresh', '--all-topics', '--to-latest']), /group fresh has no committed offsets/);
  });
});

describe('samsa groups with kafkajs consumers', () => {
  test('describes members and lag, and refuses to reset or delete while they are there', async (t) => {
    const { broker, pool } = await withBroker(t);
    await ordersTopic(pool);
    const kafka = new Kafka({ clientId: 'cli-groups-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const consumers: Consumer[] = [];
    t.after(async () => {
      for (const c of consumers) await c.disconnect();
    });
    let consumed = 0;
    for (let i = 0; i < 2; i++) {
      const consumer = kafka.consumer({ groupId: 'shipping', heartbeatInterval: 300, sessionTimeout: 10_000 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await consumer.run({ eachMessage: async () => void consumed++ });
    }
    let group: GroupDescription | undefined;
    await waitFor('two members sharing four partitions', async () => {
      [group] = await describeGroups(pool, ['shipping']);
      return group!.state === 'Stable' && group!.members.length === 2 && group!.members.every((m) => m.assignment?.[0]?.partitions.length === 2);
    });
    await waitFor('every record consumed and committed', async () => {
      const offsets = await fetchOffsets(pool, 'shipping');
      return consumed >= 40 && offsets.length === 4 && offsets.every((o) => o.offset === 10);
    });

    const described = (await ok(broker, ['describe', 'shipping'])).stdout;
    assert.match(described.split('\n')[0]!, /^Group: shipping\tType: classic\tState: Stable\tProtocolType: consumer\tAssignor: \S+\tCoordinator: \d+\tMembers: 2$/);
    const members = table(described.slice(described.indexOf('MEMBER-ID'), described.indexOf('GROUP  ')));
    assert.deepEqual(members[0], ['MEMBER-ID', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT']);
    assert.equal(members.length, 3);
    for (const m of members.slice(1)) {
      assert.equal(m[1], '-');
      assert.equal(m[2], 'cli-groups-test');
      assert.match(m[4]!, /^orders\(\d,\d\)$/);
    }
    const rows = offsetRows(described);
    assert.deepEqual(rows.map((r) => r.slice(0, 5)), [0, 1, 2, 3].map((p) => ['orders', String(p), '10', '10', '0']));
    assert.ok(rows.every((r) => members.slice(1).some((m) => m[0] === r[5])), 'each partition names its owner');

    assert.equal(
      await fails(broker, ['reset-offsets', 'shipping', '--topic', 'orders', '--to-earliest', '--execute']),
      'samsa groups reset-offsets: group shipping has active members (state Stable); stop them first\n',
    );
    assert.equal(await fails(broker, ['delete', 'shipping']), 'samsa groups delete: group shipping has active members (NON_EMPTY_GROUP); stop them first\n');

    for (const c of consumers.splice(0)) await c.disconnect();
    await ok(broker, ['reset-offsets', 'shipping', '--topic', 'orders', '--to-earliest', '--execute']);
    const after = (await ok(broker, ['describe', 'shipping'])).stdout;
    assert.match(after, /State: Empty/);
    assert.deepEqual(offsetRows(after).map((r) => [r[2], r[4], r[5]]), [0, 1, 2, 3].map(() => ['0', '10', '-']));
    assert.equal((await ok(broker, ['delete', 'shipping'])).stdout, 'Deleted group shipping.\n');
  });
});

/** ConsumerGroupHeartbeat, which the client does not speak: a KIP-848 member is driven by hand here. */
const CONSUMER_GROUP_HEARTBEAT: ClientApi<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = {
  spec: API_BY_KEY.get(68)!, request: ConsumerGroupHeartbeatRequest, response: ConsumerGroupHeartbeatResponse, minVersion: 0, maxVersion: 0,
};

/** One heartbeat of member `memberId` of KIP-848 group `groupId`: epoch 0 joins, -1 leaves. */
function heartbeat(pool: ConnectionPool, groupId: string, memberId: string, memberEpoch: number): Promise<ConsumerGroupHeartbeatResponse> {
  return withGroupCoordinator(pool, groupId, (connection) => connection.request(CONSUMER_GROUP_HEARTBEAT, 0, {
    ...defaultConsumerGroupHeartbeatRequest(), groupId, memberId, memberEpoch, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['orders'],
    // A joining member says it owns nothing (Kafka refuses a join without the list).
    topicPartitions: memberEpoch === 0 ? [] : null,
  }));
}

describe('samsa groups with a KIP-848 consumer group', () => {
  test('describes it through ConsumerGroupDescribe and resets it once its member left', async (t) => {
    const { broker, pool } = await withBroker(t);
    await ordersTopic(pool);
    const joined = await heartbeat(pool, 'next-gen', 'member-1', 0);
    assert.equal(joined.errorCode, 0);
    assert.deepEqual(table((await ok(broker, ['list', '--type', 'consumer'])).stdout), [['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], ['next-gen', 'consumer', 'Stable', 'consumer']]);

    const described = (await ok(broker, ['describe', 'next-gen'])).stdout;
    assert.match(described.split('\n')[0]!, /^Group: next-gen\tType: consumer\tState: Stable\tProtocolType: consumer\tAssignor: uniform\tGroupEpoch: 1\tCoordinator: \d+\tMembers: 1$/);
    assert.deepEqual(table(described.slice(described.indexOf('MEMBER-ID'), described.indexOf('GROUP  ')))[1], ['member-1', '-', 'samsa', '/127.0.0.1', 'orders(0,1,2,3)']);
    assert.deepEqual(offsetRows(described).map((r) => [r[1], r[2], r[3], r[5]]), [0, 1, 2, 3].map((p) => [String(p), '-', '10', 'member-1']));
    assert.match(await fails(broker, ['reset-offsets', 'next-gen', '--topic', 'orders', '--to-latest', '--execute']), /group next-gen has active members \(state Stable\); stop them first/);

    assert.equal((await heartbeat(pool, 'next-gen', 'member-1', -1)).errorCode, 0);
    await ok(broker, ['reset-offsets', 'next-gen', '--topic', 'orders', '--to-latest', '--execute']);
    const after = (await ok(broker, ['describe', 'next-gen'])).stdout;
    assert.match(after, /Type: consumer\tState: Empty/);
    assert.deepEqual(offsetRows(after).map((r) => [r[2], r[4]]), [0, 1, 2, 3].map(() => ['10', '0']));
    assert.equal((await ok(broker, ['delete', 'next-gen'])).stdout, 'Deleted group next-gen.\n');
  });
});

describe('samsa groups errors', () => {
  test('no broker listening, and bad arguments, each in one line', async () => {
    const run = await samsa(['groups', 'list', '--bootstrap', '127.0.0.1:1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^samsa groups list: no broker at 127\.0\.0\.1:1: connection refused; start one with `npm start` or pass --bootstrap\n$/);
    const cases: [string[], RegExp][] = [
      [['groups', 'describe'], /^samsa groups describe: name the group to describe; run samsa groups describe --help$/],
      [['groups', 'frob'], /^samsa groups: unknown groups command "frob"/],
      [['groups', 'reset-offsets', 'g', '--to-earliest'], /choose the partitions: --topic TOPIC\[:P,\.\.\.\] or --all-topics/],
      [['groups', 'reset-offsets', 'g', '--topic', 't'], /choose one of --to-earliest, --to-latest/],
      [['groups', 'reset-offsets', 'g', '--topic', 't', '--to-latest', '--to-earliest'], /choose only one of/],
      [['groups', 'reset-offsets', 'g', '--topic', 't:x', '--to-latest'], /--topic expects TOPIC or TOPIC:PARTITION,\.\.\., got "t:x"/],
      [['groups', 'reset-offsets', 'g', '--topic', 't', '--to-datetime', 'yesterday'], /--to-datetime expects an ISO 8601 date and time/],
      [['groups', 'reset-offsets', 'g', '--topic', 't', '--to-offset', '-1'], /--to-offset expects an integer >= 0/],
      [['groups', 'reset-offsets', 'g', '--topic', 't', '--to-latest', '--dry-run', '--execute'], /--dry-run and --execute cannot be combined/],
    ];
    const runs = await Promise.all(cases.map(([args]) => samsa(args)));
    runs.forEach((r, i) => {
      const [args, expected] = cases[i]!;
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trimEnd(), expected, args.join(' '));
    });
  });
});
