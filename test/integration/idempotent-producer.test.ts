import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  type CreateTopicsResponse, type FetchResponse, type InitProducerIdResponse, type ListOffsetsResponse, type ProduceResponse,
  defaultCreateTopicsRequestCreatableTopic, defaultFetchRequest,
} from '../../src/protocol/generated/index.js';
import { ZERO_UUID } from '../../src/protocol/primitives/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import { RawClient } from '../support/raw-client.js';

const TOPIC = 'payments';
type TestContext = { after(fn: () => Promise<void> | void): void };

interface Cleanup {
  readonly closers: (() => unknown)[];
  readonly dirs: string[];
}

const CLEANUPS = new WeakMap<TestContext, Cleanup>();

/** One after-hook per test: clients and brokers close (last opened first), then directories go. */
function cleanupOf(t: TestContext): Cleanup {
  let cleanup = CLEANUPS.get(t);
  if (!cleanup) {
    const created: Cleanup = { closers: [], dirs: [] };
    cleanup = created;
    CLEANUPS.set(t, created);
    t.after(async () => {
      for (const close of created.closers.reverse()) await close();
      for (const dir of created.dirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  return cleanup;
}

function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-idempotent-'));
  cleanupOf(t).dirs.push(dir);
  return dir;
}

/** A broker on `dataDir`, closed when the test ends unless the test closes it first. */
async function brokerOn(t: TestContext, dataDir: string, config: Record<string, string> = {}): Promise<BrokerHandle> {
  const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }) });
  cleanupOf(t).closers.push(() => broker.close());
  return broker;
}

async function connect(t: TestContext, broker: BrokerHandle): Promise<RawClient> {
  const client = await RawClient.connect('127.0.0.1', broker.port);
  cleanupOf(t).closers.push(() => client.close());
  return client;
}

async function createTopic(client: RawClient): Promise<void> {
  const created = await client.request<CreateTopicsResponse>(19, 5, {
    topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: TOPIC, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: false,
  });
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
}

function initProducerId(client: RawClient, version = 4, fields: Partial<{ transactionalId: string | null; producerId: number; producerEpoch: number }> = {}): Promise<InitProducerIdResponse> {
  return client.request<InitProducerIdResponse>(22, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...fields });
}

function idempotentBatch(producerId: number, epoch: number, baseSequence: number, count: number): Buffer {
  return encodeRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`e${epoch}-s${baseSequence + i}`), timestamp: Date.now() })),
    producerId, producerEpoch: epoch, baseSequence,
  });
}

/** Produce v9, acks=-1, one batch to partition 0: the partition's error code and base offset. */
async function produce(client: RawClient, records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
  const res = await client.request<ProduceResponse>(0, 9, {
    transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

async function logEndOffset(client: RawClient): Promise<number> {
  const res = await client.request<ListOffsetsResponse>(2, 7, {
    replicaId: -1, isolationLevel: 0, timeoutMs: 1000,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }],
  });
  return res.topics[0]!.partitions[0]!.offset;
}

async function fetchAll(client: RawClient): Promise<Buffer> {
  const res = await client.request<FetchResponse>(1, 12, {
    ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    topics: [{ topic: TOPIC, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
  });
  return res.responses[0]!.partitions[0]!.records ?? Buffer.alloc(0);
}

describe('idempotent producers', () => {
  test('a kafkajs idempotent producer gets a producer id and its batches carry consecutive sequences', async (t) => {
    const broker = await brokerOn(t, tempDataDir(t));
    const client = await connect(t, broker);
    await createTopic(client);
    const kafka = new Kafka({ clientId: 'samsa-idempotent', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanupOf(t).closers.push(() => producer.disconnect());
    for (let i = 0; i < 3; i++) {
      const sent = await producer.send({ topic: TOPIC, messages: [{ value: `m${i}-a`, partition: 0 }, { value: `m${i}-b`, partition: 0 }] });
      assert.equal(sent[0]!.errorCode, 0);
      assert.equal(sent[0]!.baseOffset, String(i * 2));
    }
    const batches = decodeRecordBatches(await fetchAll(client));
    assert.equal(batches.length, 3);
    assert.ok(batches.every((b) => b.producerId >= 0 && b.producerId === batches[0]!.producerId && b.producerEpoch === 0));
    assert.deepEqual(batches.map((b) => b.baseSequence), [0, 2, 4]);
    assert.deepEqual(batches.flatMap((b) => b.records.map((r) => r.value!.toString())), ['m0-a', 'm0-b', 'm1-a', 'm1-b', 'm2-a', 'm2-b']);
    const other = await initProducerId(client);
    assert.notEqual(other.producerId, batches[0]!.producerId, 'every InitProducerId hands out a new id');
  });

  test('InitProducerId gives idempotent producers fresh ids at epoch 0 and refuses what Kafka refuses', async (t) => {
    const broker = await brokerOn(t, tempDataDir(t));
    const client = await connect(t, broker);
    const ids: number[] = [];
    for (const version of [0, 1, 2, 3, 4, 5]) {
      const res = await initProducerId(client, version);
      assert.equal(res.errorCode, ErrorCode.NONE);
      assert.equal(res.producerEpoch, 0);
      ids.push(res.producerId);
    }
    assert.equal(new Set(ids).size, ids.length);
    // KIP-360: an idempotent producer that passes its id and epoch still gets a fresh id, as from Kafka.
    const again = await initProducerId(client, 4, { producerId: ids[0]!, producerEpoch: 0 });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.ok(!ids.includes(again.producerId));
    const halfSet = await initProducerId(client, 4, { producerId: ids[0]!, producerEpoch: -1 });
    assert.deepEqual([halfSet.errorCode, halfSet.producerId, halfSet.producerEpoch], [ErrorCode.INVALID_REQUEST, -1, -1]);
    assert.equal((await initProducerId(client, 4, { transactionalId: 'txn-1' })).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal((await initProducerId(client, 4, { transactionalId: '' })).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('a retried batch is written once and both answers give the same base offset; gaps and old epochs are refused', async (t) => {
    const broker = await brokerOn(t, tempDataDir(t));
    const client = await connect(t, broker);
    await createTopic(client);
    const { producerId } = await initProducerId(client);
    assert.deepEqual(await produce(client, idempotentBatch(producerId, 0, 0, 2)), { errorCode: ErrorCode.NONE, baseOffset: 0 });
    assert.deepEqual(await produce(client, idempotentBatch(producerId, 0, 2, 3)), { errorCode: ErrorCode.NONE, baseOffset: 2 });
    assert.deepEqual(await produce(client, idempotentBatch(producerId, 0, 2, 3)), { errorCode: ErrorCode.NONE, baseOffset: 2 });
    assert.deepEqual(await produce(client, idempotentBatch(producerId, 0, 0, 2)), { errorCode: ErrorCode.NONE, baseOffset: 0 });
    assert.equal(await logEndOffset(client), 5);
    assert.equal(decodeRecordBatches(await fetchAll(client)).length, 2, 'the retries wrote nothing');

    assert.equal((await produce(client, idempotentBatch(producerId, 0, 7, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // The client's own epoch bump (KIP-360): a new epoch from sequence 0 is accepted, and fences the old one.
    assert.equal((await produce(client, idempotentBatch(producerId, 1, 3, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(client, idempotentBatch(producerId, 1, 0, 1)), { errorCode: ErrorCode.NONE, baseOffset: 5 });
    assert.equal((await produce(client, idempotentBatch(producerId, 0, 5, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await produce(client, idempotentBatch(producerId, 0, 2, 3))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(await logEndOffset(client), 6);
  });

  test('after a clean restart a retry of the last batch is still recognised, and producer ids are not reused', async (t) => {
    const dataDir = tempDataDir(t);
    const first = await brokerOn(t, dataDir);
    const before = await connect(t, first);
    await createTopic(before);
    const { producerId } = await initProducerId(before);
    for (let seq = 0; seq < 6; seq += 2) await produce(before, idempotentBatch(producerId, 0, seq, 2));
    before.close();
    await first.close();
    const partitionDir = join(dataDir, `${TOPIC}-0`);
    assert.ok(readdirSync(partitionDir).includes('00000000000000000006.snapshot'), 'clean shutdown snapshots the producer state');

    const second = await brokerOn(t, dataDir);
    const after = await connect(t, second);
    assert.deepEqual(await produce(after, idempotentBatch(producerId, 0, 4, 2)), { errorCode: ErrorCode.NONE, baseOffset: 4 });
    assert.deepEqual(await produce(after, idempotentBatch(producerId, 0, 0, 2)), { errorCode: ErrorCode.NONE, baseOffset: 0 });
    assert.equal((await produce(after, idempotentBatch(producerId, 0, 9, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(after, idempotentBatch(producerId, 0, 6, 1)), { errorCode: ErrorCode.NONE, baseOffset: 6 });
    const next = await initProducerId(after);
    assert.ok(next.producerId > producerId, `id ${next.producerId} after a restart is past ${producerId}`);
  });

  test('after a crash a retry is still recognised, from the roll snapshots and the log after them', async (t) => {
    const dataDir = tempDataDir(t);
    // Small segments: the log rolls (writing snapshots) and batches follow the last snapshot.
    const running = await brokerOn(t, dataDir, { 'log.segment.bytes': '200' });
    const client = await connect(t, running);
    await createTopic(client);
    const { producerId } = await initProducerId(client);
    const other = (await initProducerId(client)).producerId;
    for (let seq = 0; seq < 10; seq++) await produce(client, idempotentBatch(producerId, 0, seq, 1));
    await produce(client, idempotentBatch(other, 0, 0, 1));
    const snapshots = readdirSync(join(dataDir, `${TOPIC}-0`)).filter((n) => n.endsWith('.snapshot'));
    assert.ok(snapshots.length > 0, 'segment rolls wrote snapshots');
    assert.ok(Math.max(...snapshots.map((n) => Number(n.slice(0, 20)))) < 11, 'batches follow the last snapshot, so recovery replays them');

    // What a process kill leaves: the files as they stand, no clean-shutdown marker.
    const crashDir = tempDataDir(t);
    cpSync(dataDir, crashDir, { recursive: true });
    const recovered = await brokerOn(t, crashDir, { 'log.segment.bytes': '200' });
    const after = await connect(t, recovered);
    assert.equal(await logEndOffset(after), 11);
    assert.deepEqual(await produce(after, idempotentBatch(other, 0, 0, 1)), { errorCode: ErrorCode.NONE, baseOffset: 10 });
    for (let seq = 5; seq < 10; seq++) {
      assert.deepEqual(await produce(after, idempotentBatch(producerId, 0, seq, 1)), { errorCode: ErrorCode.NONE, baseOffset: seq });
    }
    assert.equal((await produce(after, idempotentBatch(producerId, 0, 11, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(after, idempotentBatch(producerId, 0, 10, 1)), { errorCode: ErrorCode.NONE, baseOffset: 11 });
    assert.equal(await logEndOffset(after), 12);
  });
});
