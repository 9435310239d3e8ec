import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  type ApiVersionsResponse, type FetchResponse, type ListOffsetsResponse, type MetadataResponse,
  defaultFetchRequest,
} from '../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../src/protocol/record-batch/index.js';
import { RawClient } from '../support/raw-client.js';

async function withBroker(t: { after(fn: () => Promise<void> | void): void }, config: Record<string, string> = {}): Promise<BrokerHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-broker-'));
  const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }) });
  t.after(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return broker;
}

function kafkajs(broker: BrokerHandle): Kafka {
  return new Kafka({ clientId: 'samsa-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

describe('a broker started in-process', () => {
  test('advertises through ApiVersions exactly the versions it serves', async (t) => {
    const broker = await withBroker(t);
    const client = await RawClient.connect('127.0.0.1', broker.port);
    t.after(() => client.close());
    const res = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    assert.equal(res.errorCode, ErrorCode.NONE);
    const produce = res.apiKeys.find((k) => k.apiKey === 0)!;
    // Produce is advertised from v0 as Kafka 4.0 does (KAFKA-18659); v0-2 are still refused.
    assert.deepEqual([produce.minVersion, produce.maxVersion], [0, 11]);
    const unknownVersion = await client.request<ApiVersionsResponse>(18, 0, {});
    assert.equal(unknownVersion.errorCode, ErrorCode.NONE);
  });

  test('kafkajs creates a topic, produces keyed records with headers, and they read back in order', async (t) => {
    const broker = await withBroker(t);
    const kafka = kafkajs(broker);
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), true);
    const listed = await admin.listTopics();
    assert.ok(listed.includes('orders'));
    const producer = kafka.producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    const sent = await producer.send({
      topic: 'orders',
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 1, headers: { h: `x${i}` } })),
    });
    assert.equal(sent[0]!.errorCode, 0);
    assert.equal(sent[0]!.baseOffset, '0');
    const offsets = await admin.fetchTopicOffsets('orders');
    assert.deepEqual(offsets.sort((a, b) => a.partition - b.partition).map((o) => o.high), ['0', '10', '0']);

    const client = await RawClient.connect('127.0.0.1', broker.port);
    t.after(() => client.close());
    const fetched = await client.request<FetchResponse>(1, 12, {
      ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
      topics: [{ topic: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    });
    const data = fetched.responses[0]!.partitions[0]!;
    assert.equal(data.errorCode, 0);
    assert.equal(data.highWatermark, 10);
    const records = decodeRecordBatches(data.records!).flatMap((b) => b.records);
    assert.deepEqual(records.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.headers[0]!.value!.toString()]),
      Array.from({ length: 10 }, (_, i) => [i, `k${i}`, `v${i}`, `x${i}`]));
  });

  test('Metadata auto-creates an unknown topic, and reports an illegal name', async (t) => {
    const broker = await withBroker(t);
    const client = await RawClient.connect('127.0.0.1', broker.port);
    t.after(() => client.close());
    const res = await client.request<MetadataResponse>(3, 12, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fresh' }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad/name' }],
      allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    });
    assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(res.topics[0]!.partitions.length, 1);
    assert.equal(res.topics[1]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(res.brokers[0]!.port, broker.port);
    assert.equal(res.topics[0]!.topicAuthorizedOperations, -2147483648, 'not asked for');
    const withOps = await client.request<MetadataResponse>(3, 10, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fresh' }],
      allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true,
    });
    assert.ok(withOps.topics[0]!.topicAuthorizedOperations > 0, 'every topic operation allowed without an authorizer');
    assert.ok(withOps.clusterAuthorizedOperations > 0);
  });

  test('a long-poll fetch is answered as soon as records arrive', async (t) => {
    const broker = await withBroker(t);
    const kafka = kafkajs(broker);
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1 }] });
    const client = await RawClient.connect('127.0.0.1', broker.port);
    t.after(() => client.close());
    const started = Date.now();
    const pending = client.request<FetchResponse>(1, 11, {
      ...defaultFetchRequest(), maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20,
      topics: [{ topic: 'events', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    });
    const producer = kafka.producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    await producer.send({ topic: 'events', messages: [{ value: 'hello' }] });
    const res = await pending;
    assert.ok(Date.now() - started < 9_000, 'answered before the wait ran out');
    const records = decodeRecordBatches(res.responses[0]!.partitions[0]!.records!).flatMap((b) => b.records);
    assert.equal(records[0]!.value!.toString(), 'hello');
  });

  test('ListOffsets finds earliest, latest and by timestamp', async (t) => {
    const broker = await withBroker(t);
    const kafka = kafkajs(broker);
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    t.after(() => producer.disconnect());
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'clock', messages: [{ value: `m${i}`, timestamp: String(1000 + i * 100) }] });
    const client = await RawClient.connect('127.0.0.1', broker.port);
    t.after(() => client.close());
    const ask = (timestamp: number): Promise<ListOffsetsResponse> => client.request<ListOffsetsResponse>(2, 7, {
      replicaId: -1, isolationLevel: 0, timeoutMs: 1000,
      topics: [{ name: 'clock', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
    });
    const offsetOf = async (ts: number): Promise<number> => (await ask(ts)).topics[0]!.partitions[0]!.offset;
    assert.equal(await offsetOf(-2), 0);
    assert.equal(await offsetOf(-1), 5);
    assert.equal(await offsetOf(1250), 3);
    assert.equal(await offsetOf(-3), 4);
    assert.equal(await offsetOf(99999), -1);
  });
});
