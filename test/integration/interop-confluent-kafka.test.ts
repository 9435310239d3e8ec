import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { INTEROP_SUITE, needs, requireClients } from '../support/interop/external-client.js';
import { advertisedVersions, createTopic, startTestBroker } from '../support/interop/interop-broker.js';
import {
  ALL_CODECS, assertBatchCodecs, type RecordToProduce, assertSameRecords, bytes, expectedFromAcks, headers, librdkafkaWrittenCodec,
  readStoredPartition, readStoredTopic,
} from '../support/interop/interop-records.js';
import { confluentKafka, pythonConsume, pythonOffsets, pythonProduce, runPythonClient } from '../support/interop/python-clients.js';

const MSG_SIZE_TOO_LARGE = 10;

interface ListedTopics {
  clusterId: string;
  controllerId: number;
  brokers: { id: number; host: string; port: number }[];
  topics: Record<string, { error: string | null; partitions: { id: number; leader: number; replicas: number[]; isrs: number[] }[] }>;
}

/** Keyed records with headers (one header value null), a null key, a null value, and both null. */
function recordsFor(label: string, partition: number, baseTimestamp: number): RecordToProduce[] {
  return [
    { partition, key: bytes(`${label}-key`), value: bytes(`${label} value `.repeat(20)), headers: headers([['codec', label], ['nothing', null]]), timestamp: baseTimestamp },
    { partition, key: null, value: bytes(`${label} without a key`), headers: [], timestamp: baseTimestamp + 1 },
    { partition, key: bytes(`${label}-tombstone`), value: null, headers: headers([['kind', 'tombstone']]), timestamp: baseTimestamp + 2 },
    { partition, key: null, value: null, headers: [], timestamp: baseTimestamp + 3 },
    { partition, key: bytes(''), value: bytes(''), headers: headers([['', '']]), timestamp: baseTimestamp + 4 },
  ];
}

describe(`confluent-kafka-python ${confluentKafka.version || '(not installed)'}`, INTEROP_SUITE, () => {
  test('AdminClient creates topics (with a config) and lists them with partitions led by the broker', needs(confluentKafka), async (t) => {
    requireClients(confluentKafka);
    const broker = await startTestBroker(t);
    const created = await runPythonClient<{ results: Record<string, string | null> }>(confluentKafka, 'create-topics', {
      bootstrap: broker.bootstrap,
      topics: [{ name: 'orders', partitions: 3 }, { name: 'small', partitions: 1, configs: { 'max.message.bytes': '2048' } }],
    });
    assert.deepEqual(created.results, { orders: null, small: null });
    const again = await runPythonClient<{ results: Record<string, string | null> }>(confluentKafka, 'create-topics', {
      bootstrap: broker.bootstrap, topics: [{ name: 'orders', partitions: 3 }],
    });
    assert.deepEqual(again.results, { orders: 'TOPIC_ALREADY_EXISTS' });

    const listed = await runPythonClient<ListedTopics>(confluentKafka, 'list-topics', { bootstrap: broker.bootstrap });
    assert.equal(listed.clusterId, broker.clusterId);
    assert.equal(listed.controllerId, broker.nodeId);
    assert.deepEqual(listed.brokers, [{ id: broker.nodeId, host: '127.0.0.1', port: broker.port }]);
    assert.deepEqual(listed.topics.orders, {
      error: null, partitions: [0, 1, 2].map((id) => ({ id, leader: broker.nodeId, replicas: [broker.nodeId], isrs: [broker.nodeId] })),
    });
    assert.equal(listed.topics.small?.partitions.length, 1);
  });

  test('Producer writes every codec with null keys, values and header values; an assign()ed Consumer reads them back', needs(confluentKafka), async (t) => {
    requireClients(confluentKafka);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'codecs', ALL_CODECS.length);
    const advertised = await advertisedVersions(broker.port);
    const expected = [];
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const records = recordsFor(codec, partition, 1_600_000_000_000 + partition * 1000);
      const { acks } = await pythonProduce(confluentKafka, broker.bootstrap, 'codecs', records, { codec, config: { 'linger.ms': 50 } });
      expected.push(...expectedFromAcks(records, acks));
      assert.deepEqual(acks.map((a) => a.offset), [0, 1, 2, 3, 4], `${codec}: offsets in order`);
    }
    const partitions = ALL_CODECS.map((_, p) => p);
    assertSameRecords(await pythonConsume(confluentKafka, broker.bootstrap, 'codecs', partitions), expected, 'the consumer reads back what was acknowledged');
    assertSameRecords(await readStoredTopic(broker.port, 'codecs', ALL_CODECS.length), expected, 'the stored records are the ones sent');
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const written = librdkafkaWrittenCodec(codec, advertised);
      const stored = await readStoredPartition(broker.port, 'codecs', partition);
      assertBatchCodecs(stored, written, codec, true);
    }
  });

  test('a record just under the topic\'s max.message.bytes is stored; one over it gets MSG_SIZE_TOO_LARGE', needs(confluentKafka), async (t) => {
    requireClients(confluentKafka);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'limited', 1, { 'max.message.bytes': '100000' });
    // Random bytes do not compress; the record batch adds about 75 bytes of framing to a value.
    const fits = randomBytes(99_800);
    const tooLarge = randomBytes(150_000);
    const records: RecordToProduce[] = [
      { partition: 0, key: bytes('fits'), value: fits, headers: [] },
      { partition: 0, key: bytes('too-large'), value: tooLarge, headers: [] },
      { partition: 0, key: bytes('after'), value: bytes('still accepted'), headers: [] },
    ];
    const { acks } = await pythonProduce(confluentKafka, broker.bootstrap, 'limited', records, { flushEach: true, config: { 'message.max.bytes': 1_000_000 } });
    assert.deepEqual(acks.map((a) => [a.errorCode, a.error]), [[0, null], [MSG_SIZE_TOO_LARGE, 'MSG_SIZE_TOO_LARGE'], [0, null]]);
    assert.equal(acks[1]!.refusedByClient, undefined, 'the broker refused it (the client\'s own limit is 1000000)');
    assert.deepEqual([acks[0]!.offset, acks[2]!.offset], [0, 1]);
    const read = await pythonConsume(confluentKafka, broker.bootstrap, 'limited', [0]);
    assert.deepEqual(read.map((r) => [r.offset, r.key?.toString(), r.value?.length]), [[0, 'fits', fits.length], [1, 'after', 14]]);
    assert.ok(read[0]!.value!.equals(fits), 'the large value reads back byte for byte');
  });

  test('ListOffsets: watermarks and offsets_for_times find records by timestamp', needs(confluentKafka), async (t) => {
    requireClients(confluentKafka);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'clock', 1);
    const records = Array.from({ length: 10 }, (_, i): RecordToProduce => ({ partition: 0, key: bytes(`k${i}`), value: bytes(`v${i}`), headers: [], timestamp: 1000 + i * 100 }));
    await pythonProduce(confluentKafka, broker.bootstrap, 'clock', records, { flushEach: true });
    const found = await pythonOffsets(confluentKafka, broker.bootstrap, 'clock', 0, [500, 1000, 1250, 1900, 5000]);
    assert.deepEqual([found.low, found.high], [0, 10]);
    // librdkafka reports "no record at or after this time" as OFFSET_END (-1).
    assert.deepEqual(found.forTimes.map((f) => [f!.offset, f!.error]), [[0, null], [0, null], [3, null], [9, null], [-1, null]]);
  });
});
