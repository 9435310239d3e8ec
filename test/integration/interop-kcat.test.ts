import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import type { ApiVersionsResponse } from '../../src/protocol/generated/index.js';
import { RawClient } from '../support/raw-client.js';
import { INTEROP_SUITE, needs, requireClients } from '../support/interop/external-client.js';
import { advertisedVersions, createTopic, startTestBroker } from '../support/interop/interop-broker.js';
import {
  ALL_CODECS, assertBatchCodecs, type ConsumedRecord, assertSameRecords, bytes, headers, librdkafkaWrittenCodec, readStoredPartition, readStoredTopic,
} from '../support/interop/interop-records.js';
import { kcat, kcatConsume, kcatMetadata, kcatProduce } from '../support/interop/kcat.js';

describe(`kcat ${kcat.version || '(not installed)'}`, INTEROP_SUITE, () => {
  test('ApiVersions lists Produce from v0 as Kafka 4.0 does, so librdkafka compresses, while Produce v2 still closes the connection', async (t) => {
    const broker = await startTestBroker(t);
    const client = await RawClient.connect('127.0.0.1', broker.port);
    t.after(() => client.close());
    const versions = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'samsa-interop', clientSoftwareVersion: '1' });
    const produce = versions.apiKeys.find((k) => k.apiKey === 0)!;
    assert.equal(produce.minVersion, 0);
    await assert.rejects(client.request(0, 2, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] }), /connection closed/);
  });

  test('kcat -L sees the broker at its advertised address and every partition led by it', needs(kcat), async (t) => {
    requireClients(kcat);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'listed', 3);
    const metadata = await kcatMetadata(broker.bootstrap);
    assert.deepEqual(metadata.brokers, [{ id: broker.nodeId, name: broker.bootstrap }]);
    assert.equal(metadata.controllerid, broker.nodeId);
    const listed = metadata.topics.find((x) => x.topic === 'listed');
    assert.ok(listed, 'the topic is listed');
    assert.deepEqual(listed.partitions.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id), p.isrs.map((r) => r.id)]),
      [0, 1, 2].map((p) => [p, broker.nodeId, [broker.nodeId], [broker.nodeId]]));
  });

  test('kcat produces keyed records with headers from stdin and reads them back with keys, headers, offsets and timestamps', needs(kcat), async (t) => {
    requireClients(kcat);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'lines', 2);
    const lines = [
      { key: 'alpha', value: 'first value' },
      { key: 'beta', value: 'second value' },
      { key: null, value: 'a line without a key' },
      { key: 'tombstone', value: '' },
      { key: 'gamma', value: 'value with = and , inside' },
    ];
    const before = Date.now();
    await kcatProduce(broker.bootstrap, 'lines', lines, { partition: 1, headers: [['trace', 'abc-123'], ['empty', ''], ['none', null]] });
    const after = Date.now();

    const read = await kcatConsume(broker.bootstrap, 'lines', 1);
    const expectedHeaders = headers([['trace', 'abc-123'], ['empty', ''], ['none', null]]);
    assert.deepEqual(read.map((r) => [r.partition, r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]),
      lines.map((l, i) => [1, i, l.key, l.value === '' ? null : l.value]));
    for (const r of read) {
      assert.ok(r.timestamp >= before - 1 && r.timestamp <= after + 1, `timestamp ${r.timestamp} within the produce call`);
      assert.deepEqual(r.headers, expectedHeaders);
    }
    // Our own decoder reads the same bytes kcat wrote and kcat read.
    const stored = await readStoredPartition(broker.port, 'lines', 1);
    assertSameRecords(read, stored.records, 'kcat reads what is stored');
    assert.equal(stored.highWatermark, lines.length);
    assert.deepEqual(await kcatConsume(broker.bootstrap, 'lines', 0), [], 'the other partition stays empty');
  });

  test('kcat writes every codec it supports (-z), and stored batches carry the codec librdkafka agrees to use', needs(kcat), async (t) => {
    requireClients(kcat);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'codecs', ALL_CODECS.length);
    const advertised = await advertisedVersions(broker.port);
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const lines = Array.from({ length: 50 }, (_, i) => ({ key: `${codec}-${i}`, value: `${codec} record ${i} `.repeat(8) }));
      await kcatProduce(broker.bootstrap, 'codecs', lines, { partition, codec, headers: [['codec', codec]], extraConfig: { 'linger.ms': '50' } });
    }
    const read = await kcatConsume(broker.bootstrap, 'codecs', null);
    assertSameRecords(read, await readStoredTopic(broker.port, 'codecs', ALL_CODECS.length), 'kcat reads every codec back');
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const inPartition = read.filter((r) => r.partition === partition);
      assert.deepEqual(inPartition.map((r) => r.key!.toString()), Array.from({ length: 50 }, (_, i) => `${codec}-${i}`), `${codec}: keys in order`);
      assert.deepEqual(inPartition.map((r) => r.offset), Array.from({ length: 50 }, (_, i) => i));
      const stored = await readStoredPartition(broker.port, 'codecs', partition);
      const written = librdkafkaWrittenCodec(codec, advertised);
      assertBatchCodecs(stored, written, codec, true);
    }
  });

  test('kcat reads what kafkajs wrote: null keys and values, headers, explicit timestamps, gzip', needs(kcat), async (t) => {
    requireClients(kcat);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'from-kafkajs', 1);
    const kafka = new Kafka({ clientId: 'samsa-interop', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    await producer.send({
      topic: 'from-kafkajs', acks: -1, compression: CompressionTypes.GZIP,
      messages: [
        { key: 'k0', value: 'v0', timestamp: '1700000000000', headers: { h: 'x' } },
        { key: null, value: 'no key', timestamp: '1700000000001' },
        { key: 'k2', value: null, timestamp: '1700000000002', headers: { a: '1', b: '2' } },
      ],
    });
    const expected: ConsumedRecord[] = [
      { partition: 0, offset: 0, key: bytes('k0'), value: bytes('v0'), headers: headers([['h', 'x']]), timestamp: 1700000000000 },
      { partition: 0, offset: 1, key: null, value: bytes('no key'), headers: [], timestamp: 1700000000001 },
      { partition: 0, offset: 2, key: bytes('k2'), value: null, headers: headers([['a', '1'], ['b', '2']]), timestamp: 1700000000002 },
    ];
    assertSameRecords(await kcatConsume(broker.bootstrap, 'from-kafkajs', 0), expected, 'kcat reads kafkajs records');
  });
});
