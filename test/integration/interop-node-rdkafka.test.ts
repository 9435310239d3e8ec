import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { INTEROP_SUITE, needs, requireClients } from '../support/interop/external-client.js';
import { advertisedVersions, createTopic, startTestBroker } from '../support/interop/interop-broker.js';
import {
  ALL_CODECS, assertBatchCodecs, type RecordToProduce, assertSameRecords, bytes, expectedFromAcks, headers, readStoredPartition, readStoredTopic,
} from '../support/interop/interop-records.js';
import { nodeRdkafka, rdkafkaConsume, rdkafkaProduce } from '../support/interop/node-rdkafka.js';
import { murmur2, partitionForKey } from '../support/murmur2.js';

/** kafkajs's DefaultPartitioner, which its authors made Java-compatible in 2.0. */
function kafkajsPartition(key: Buffer, numPartitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

const KEYS: Buffer[] = [
  ...Array.from({ length: 200 }, (_, i) => Buffer.from(`user-${i}`)),
  Buffer.from('ключ-юникод'), Buffer.from('🔑'), Buffer.from('a'), Buffer.from('ab'), Buffer.from('abc'), Buffer.from('abcd'),
  Buffer.from([0x00]), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.alloc(37, 0x80),
];

describe(`node-rdkafka ${nodeRdkafka.version || '(not loadable)'}`, INTEROP_SUITE, () => {
  test('our murmur2 matches Kafka\'s own Utils.murmur2 test vectors and kafkajs\'s DefaultPartitioner', () => {
    // Kafka's UtilsTest.testMurmur2.
    const javaVectors: [string, number][] = [
      ['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829], ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107],
    ];
    for (const [text, hash] of javaVectors) assert.equal(murmur2(Buffer.from(text)), hash, text);
    for (const numPartitions of [1, 3, 7, 12, 100]) {
      for (const key of KEYS) assert.equal(partitionForKey(key, numPartitions), kafkajsPartition(key, numPartitions), `${key.toString('hex')} over ${numPartitions}`);
    }
  });

  test('Producer with delivery reports writes every codec; KafkaConsumer.assign() + consume() reads the records back', needs(nodeRdkafka), async (t) => {
    requireClients(nodeRdkafka);
    const broker = await startTestBroker(t);
    await createTopic(broker.port, 'codecs', ALL_CODECS.length);
    // librdkafka writes lz4 only to brokers that list FindCoordinator (RD_KAFKA_FEATURE_LZ4).
    assert.ok((await advertisedVersions(broker.port)).has(10), 'FindCoordinator is advertised');
    const expected = [];
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const base = 1_700_000_000_000 + partition * 1000;
      const records: RecordToProduce[] = [
        ...Array.from({ length: 20 }, (_, i): RecordToProduce => ({
          partition, key: bytes(`${codec}-${i}`), value: bytes(`${codec} value ${i} `.repeat(10)), headers: headers([['codec', codec], ['i', String(i)]]), timestamp: base + i,
        })),
        { partition, key: null, value: bytes('no key'), headers: [], timestamp: base + 20 },
        { partition, key: bytes('tombstone'), value: null, headers: [], timestamp: base + 21 },
      ];
      const acks = await rdkafkaProduce(broker.bootstrap, 'codecs', records, { codec });
      assert.deepEqual(acks.map((a) => a.offset), records.map((_, i) => i), `${codec}: delivery reports name consecutive offsets`);
      expected.push(...expectedFromAcks(records, acks));
    }
    const partitions = ALL_CODECS.map((_, p) => p);
    assertSameRecords(await rdkafkaConsume(broker.bootstrap, 'codecs', partitions), expected, 'the consumer reads back what was acknowledged');
    assertSameRecords(await readStoredTopic(broker.port, 'codecs', ALL_CODECS.length), expected, 'the stored records are the ones sent');
    for (const [partition, codec] of ALL_CODECS.entries()) {
      const stored = await readStoredPartition(broker.port, 'codecs', partition);
      assertBatchCodecs(stored, codec, codec, true);
    }
  });

  test('with partitioner murmur2_random, keyed records land where Java\'s default partitioner puts them', needs(nodeRdkafka), async (t) => {
    requireClients(nodeRdkafka);
    const broker = await startTestBroker(t);
    const numPartitions = 7;
    await createTopic(broker.port, 'keyed', numPartitions);
    const records = KEYS.map((key, i): RecordToProduce => ({ partition: -1, key, value: bytes(`value ${i}`), headers: [] }));
    const acks = await rdkafkaProduce(broker.bootstrap, 'keyed', records, { partitioner: 'murmur2_random' });
    assert.deepEqual(acks.map((a) => a.errorCode), records.map(() => 0));
    const expectedPartitions = KEYS.map((key) => partitionForKey(key, numPartitions));
    assert.deepEqual(acks.map((a) => a.partition), expectedPartitions);
    assert.deepEqual(KEYS.map((key) => kafkajsPartition(key, numPartitions)), expectedPartitions, 'kafkajs agrees');
    assert.ok(new Set(expectedPartitions).size === numPartitions, 'the keys spread over every partition');

    const read = await rdkafkaConsume(broker.bootstrap, 'keyed', Array.from({ length: numPartitions }, (_, p) => p));
    assert.equal(read.length, KEYS.length);
    for (const r of read) {
      const index = KEYS.findIndex((k) => k.equals(r.key!));
      assert.equal(r.partition, expectedPartitions[index], `key ${r.key!.toString('hex')}`);
      assert.equal(r.value!.toString(), `value ${index}`);
    }
  });
});
