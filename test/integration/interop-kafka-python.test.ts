import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INTEROP_SUITE, needs, requireClients } from '../support/interop/external-client.js';
import { createTopic, startTestBroker } from '../support/interop/interop-broker.js';
import {
  ALL_CODECS, assertBatchCodecs, type RecordToProduce, assertSameRecords, bytes, expectedFromAcks, headers, readStoredPartition, readStoredTopic,
} from '../support/interop/interop-records.js';
import { kafkaPython, pythonConsume, pythonOffsets, pythonProduce, runPythonClient } from '../support/interop/python-clients.js';

/**
 * kafka-python refuses a record whose key and value are both null and a header whose value is
 * null, so these records have neither.
 */
function recordsFor(label: string, partition: number, baseTimestamp: number): RecordToProduce[] {
  return [
    { partition, key: bytes(`${label}-key`), value: bytes(`${label} value `.repeat(20)), headers: headers([['codec', label], ['empty', '']]), timestamp: baseTimestamp },
    { partition, key: null, value: bytes(`${label} without a key`), headers: [], timestamp: baseTimestamp + 1 },
    { partition, key: bytes(`${label}-tombstone`), value: null, headers: headers([['kind', 'tombstone']]), timestamp: baseTimestamp + 2 },
    { partition, key: bytes(''), value: bytes(''), headers: [], timestamp: baseTimestamp + 3 },
  ];
}

describe(`kafka-python ${kafkaPython.version || '(not installed)'}`, INTEROP_SUITE, () => {
  test('KafkaAdminClient creates topics and lists them, with api_version negotiated from ApiVersions', needs(kafkaPython), async (t) => {
    requireClients(kafkaPython);
    const broker = await startTestBroker(t);
    const res = await runPythonClient<{ results: Record<string, number>; topics: string[]; apiVersion: number[] }>(kafkaPython, 'create-topics', {
      bootstrap: broker.bootstrap, topics: [{ name: 'orders', partitions: 3 }, { name: 'audit', partitions: 1, configs: { 'retention.ms': '3600000' } }],
    });
    assert.deepEqual(res.results, { orders: 0, audit: 0 });
    assert.ok(res.topics.includes('orders') && res.topics.includes('audit'), `listed: ${res.topics.join(', ')}`);
    // kafka-python infers a broker version from the highest versions advertised; 2.1+ means it
    // uses Produce v7 / Fetch v10 and so may write zstd.
    t.diagnostic(`kafka-python inferred broker version ${res.apiVersion.join('.')}`);
    assert.ok(res.apiVersion[0]! > 2 || (res.apiVersion[0] === 2 && res.apiVersion[1]! >= 1), `api_version ${res.apiVersion.join('.')}`);
    const again = await runPythonClient<{ results: Record<string, number> }>(kafkaPython, 'create-topics', {
      bootstrap: broker.bootstrap, topics: [{ name: 'orders', partitions: 3 }],
    });
    assert.deepEqual(again.results, { orders: 36 }, 'TOPIC_ALREADY_EXISTS');
  });

  test('KafkaProducer writes every codec with headers and timestamps; KafkaConsumer with assign() reads them back', needs(kafkaPython), async (t) => {
    requireClients(kafkaPython);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'codecs', ALL_CODECS.length);
    const expected = [];
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const records = recordsFor(codec, partition, 1_650_000_000_000 + partition * 1000);
      const { acks } = await pythonProduce(kafkaPython, broker.bootstrap, 'codecs', records, { codec });
      expected.push(...expectedFromAcks(records, acks));
    }
    const partitions = ALL_CODECS.map((_, p) => p);
    assertSameRecords(await pythonConsume(kafkaPython, broker.bootstrap, 'codecs', partitions), expected, 'the consumer reads back what was acknowledged');
    assertSameRecords(await readStoredTopic(broker.port, 'codecs', ALL_CODECS.length), expected, 'the stored records are the ones sent');
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const stored = await readStoredPartition(broker.port, 'codecs', partition);
      assertBatchCodecs(stored, codec, codec);
    }
  });

  test('beginning_offsets, end_offsets and offsets_for_times answer from ListOffsets', needs(kafkaPython), async (t) => {
    requireClients(kafkaPython);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'clock', 1);
    const records = Array.from({ length: 10 }, (_, i): RecordToProduce => ({ partition: 0, key: bytes(`k${i}`), value: bytes(`v${i}`), headers: [], timestamp: 5000 + i * 100 }));
    await pythonProduce(kafkaPython, broker.bootstrap, 'clock', records);
    const found = await pythonOffsets(kafkaPython, broker.bootstrap, 'clock', 0, [100, 5000, 5250, 5900, 9000]);
    assert.deepEqual([found.low, found.high], [0, 10]);
    assert.deepEqual(found.forTimes, [
      { offset: 0, timestamp: 5000 }, { offset: 0, timestamp: 5000 }, { offset: 3, timestamp: 5300 }, { offset: 9, timestamp: 5900 }, null,
    ]);
  });
});
