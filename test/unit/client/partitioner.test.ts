import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { DefaultPartitioner, murmur2, partitionForKey, toPositive } from '../../../src/client/partitioner.js';

/** kafkajs's murmur2 (CommonJS, untyped): the Java-compatible hash its DefaultPartitioner uses. */
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;

function partitionMetadata(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
}

describe('murmur2', () => {
  test("matches the vectors of Kafka's own UtilsTest.testMurmur2", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      ['', 275646681],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key)), hash, key);
  });

  test('hashes the empty key and every tail length as kafkajs does', () => {
    for (let length = 0; length <= 9; length++) {
      const key = Buffer.from('0123456789abcdef'.slice(0, length));
      assert.equal(murmur2(key), kafkajsMurmur2(key), `length ${length}`);
    }
  });

  test('agrees with kafkajs on arbitrary bytes, high bytes included', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const key = Buffer.from(bytes);
      assert.equal(murmur2(key), kafkajsMurmur2(key));
    }), { numRuns: 2000 });
  });

  test('returns a signed 32-bit integer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const hash = murmur2(bytes);
      assert.ok(Number.isInteger(hash) && hash >= -(2 ** 31) && hash < 2 ** 31);
    }));
  });
});

describe('partitionForKey', () => {
  test('clears the sign bit rather than taking the absolute value', () => {
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(5), 5);
  });

  test('places keys where Java does: toPositive(murmur2(key)) % partitions', () => {
    // -973932308 & 0x7fffffff = 1173551340
    assert.equal(partitionForKey(Buffer.from('21'), 7), 1173551340 % 7);
    assert.equal(partitionForKey(Buffer.from('foobar'), 3), (-790332482 & 0x7fffffff) % 3);
  });

  test("picks the same partition as kafkajs's Java-compatible DefaultPartitioner", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (bytes, count) => {
      const key = Buffer.from(bytes);
      const theirs = kafkajs({ topic: 't', partitionMetadata: partitionMetadata(count), message: { key, value: null } });
      assert.equal(new DefaultPartitioner().partition('t', key, count), theirs);
    }), { numRuns: 1000 });
  });
});

describe('DefaultPartitioner without keys', () => {
  test('keeps records of a topic on one partition until a batch for it is sent', () => {
    const partitioner = new DefaultPartitioner(() => 0.5);
    const first = partitioner.partition('t', null, 4);
    assert.equal(first, 2);
    assert.equal(partitioner.partition('t', null, 4), 2);
    partitioner.onNewBatch('t', 1, 4);
    assert.equal(partitioner.partition('t', null, 4), 2, 'a batch for another partition does not move it');
    partitioner.onNewBatch('t', 2, 4);
    assert.equal(partitioner.partition('t', null, 4), 3);
  });

  test('visits every partition in turn as batches are sent', () => {
    const partitioner = new DefaultPartitioner(() => 0);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const p = partitioner.partition('t', null, 3);
      seen.push(p);
      partitioner.onNewBatch('t', p, 3);
    }
    assert.deepEqual(seen, [0, 1, 2, 0, 1, 2]);
  });

  test('keeps a sticky partition per topic and re-picks when the topic shrinks below it', () => {
    const partitioner = new DefaultPartitioner(() => 0.99);
    assert.equal(partitioner.partition('a', null, 10), 9);
    assert.equal(partitioner.partition('b', null, 2), 1);
    assert.equal(partitioner.partition('a', null, 5), 4);
  });

  test('refuses a topic without partitions', () => {
    assert.throws(() => new DefaultPartitioner().partition('t', null, 0), RangeError);
  });
});
