/**
 * Our batches against KafkaJS's own batch encoder and decoder. KafkaJS ships gzip only; for
 * snappy, lz4 and zstd we install codecs that call our compression module, so those cases check
 * batch framing and the compressed-records layout, not codec independence (the compression
 * tests cover the codecs themselves).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compress,
  compressionCodecName,
  COMPRESSION_GZIP,
  COMPRESSION_LZ4,
  COMPRESSION_NONE,
  COMPRESSION_SNAPPY,
  COMPRESSION_ZSTD,
  decompress,
} from '../../../../src/protocol/compression/index.js';
import type { CompressionCodec } from '../../../../src/protocol/compression/index.js';
import { crc32c, decodeRecordBatch, encodeRecordBatch, RecordBatchHeader } from '../../../../src/protocol/record-batch/index.js';
import type { KafkaRecord, RecordHeader, RecordSpec } from '../../../../src/protocol/record-batch/index.js';
import {
  kafkajsCrc,
  kafkajsDecodeBatch,
  kafkajsEncodeBatch,
  kafkajsEncodeRecord,
  registerKafkajsCodec,
} from './kafkajs-record-batch.js';
import type { KafkajsDecodedRecord } from './kafkajs-record-batch.js';

const CODECS: CompressionCodec[] = [COMPRESSION_NONE, COMPRESSION_GZIP, COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD];

before(() => {
  for (const codec of [COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD]) {
    registerKafkajsCodec(codec, (input) => compress(codec, input), (input) => decompress(codec, input));
  }
});

/** Plain objects, as our decoder returns (fc.record builds null-prototype ones by default). */
const plain = { noNullPrototype: true } as const;
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));

/** Records KafkaJS can write: header keys unique per record (it keys headers by name), values non-null. */
const kafkajsWritableRecords = fc.array(fc.record({
  key: fc.option(bytes(32), { nil: null }),
  value: fc.option(bytes(300), { nil: null }),
  headers: fc.uniqueArray(fc.record({ key: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), value: bytes(16) }, plain), {
    maxLength: 3,
    selector: (h) => h.key,
  }),
  timestampDelta: fc.integer({ min: -100_000, max: 100_000 }),
}), { minLength: 1, maxLength: 10 });

type HeaderGroups = [string, (Buffer | null)[]][];

/** Our header list grouped by key, in key order: KafkaJS hands headers back as an object of that shape. */
function groupHeaders(headers: readonly RecordHeader[]): HeaderGroups {
  const groups = new Map<string, (Buffer | null)[]>();
  for (const { key, value } of headers) {
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [value]);
    else group.push(value);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function kafkajsHeaderGroups(record: KafkajsDecodedRecord): HeaderGroups {
  return Object.entries(record.headers)
    .map(([key, value]): [string, (Buffer | null)[]] => [key, Array.isArray(value) ? value : [value]])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function assertSameRecord(ours: KafkaRecord, theirs: KafkajsDecodedRecord): void {
  assert.equal(theirs.offset, String(ours.offset));
  assert.equal(theirs.timestamp, String(ours.timestamp));
  assert.deepEqual(theirs.key, ours.key);
  assert.deepEqual(theirs.value, ours.value);
  assert.deepEqual(kafkajsHeaderGroups(theirs), groupHeaders(ours.headers));
}

for (const codec of CODECS) {
  const name = compressionCodecName(codec);

  test(`batches KafkaJS builds with ${name} decode with ours to the same records, offsets and timestamps`, async () => {
    await fc.assert(fc.asyncProperty(kafkajsWritableRecords, fc.integer({ min: 0, max: 2 ** 40 }), fc.boolean(), async (records, firstOffset, transactional) => {
      const firstTimestamp = 1_700_000_000_000;
      const encoded = await kafkajsEncodeBatch({
        compression: codec,
        firstOffset,
        firstTimestamp,
        maxTimestamp: firstTimestamp + Math.max(...records.map((r) => r.timestampDelta)),
        partitionLeaderEpoch: 3,
        lastOffsetDelta: records.length - 1,
        transactional,
        producerId: 9000,
        producerEpoch: 1,
        firstSequence: 5,
        records: records.map((r, i) => kafkajsEncodeRecord({
          offsetDelta: i,
          timestampDelta: r.timestampDelta,
          key: r.key,
          value: r.value,
          headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
        })),
      });
      const header = new RecordBatchHeader(encoded, 0);
      header.validate();
      const batch = decodeRecordBatch(encoded);
      assert.equal(batch.compression, codec);
      assert.equal(batch.baseOffset, firstOffset);
      assert.equal(batch.partitionLeaderEpoch, 3);
      assert.equal(batch.isTransactional, transactional);
      assert.equal(batch.producerId, 9000);
      assert.equal(batch.producerEpoch, 1);
      assert.equal(batch.baseSequence, 5);
      assert.equal(batch.baseTimestamp, firstTimestamp);
      assert.equal(batch.records.length, records.length);
      records.forEach((expected, i) => {
        const record = batch.records[i]!;
        assert.equal(record.offset, firstOffset + i);
        assert.equal(record.timestamp, firstTimestamp + expected.timestampDelta);
        assert.deepEqual(record.key, expected.key);
        assert.deepEqual(record.value, expected.value);
        // KafkaJS writes headers in its object's key order, which puts integer-like keys first.
        const written = Object.entries(Object.fromEntries(expected.headers.map((h) => [h.key, h.value])));
        assert.deepEqual(record.headers, written.map(([key, value]) => ({ key, value })));
      });
    }), { numRuns: 25 });
  });

  test(`batches we build with ${name} decode with KafkaJS to the same records, offsets and timestamps`, async () => {
    const recordsArbitrary = fc.array(fc.record({
      key: fc.option(bytes(32), { nil: null }),
      value: fc.option(bytes(300), { nil: null }),
      headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 6 }), value: fc.option(bytes(16), { nil: null }) }, plain), { maxLength: 3 }),
      timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
    }), { maxLength: 10 });
    await fc.assert(fc.asyncProperty(recordsArbitrary, fc.integer({ min: 0, max: 2 ** 40 }), fc.boolean(), async (records, baseOffset, isTransactional) => {
      const specs: RecordSpec[] = records.map((r, i) => ({ ...r, offsetDelta: i * 2 }));
      const encoded = encodeRecordBatch({ records: specs, baseOffset, compression: codec, isTransactional, producerId: 12, producerEpoch: 0, baseSequence: 0 });
      const ours = decodeRecordBatch(encoded);
      const theirs = await kafkajsDecodeBatch(encoded);
      assert.equal(theirs.firstOffset, String(baseOffset));
      assert.equal(theirs.inTransaction, isTransactional);
      assert.equal(theirs.isControlBatch, false);
      assert.equal(theirs.producerId, '12');
      assert.equal(theirs.lastOffsetDelta, ours.lastOffsetDelta);
      assert.equal(theirs.maxTimestamp, String(ours.maxTimestamp));
      assert.equal(theirs.records.length, ours.records.length);
      ours.records.forEach((record, i) => assertSameRecord(record, theirs.records[i]!));
    }), { numRuns: 25 });
  });
}

test('KafkaJS reads a LogAppendTime batch with every record at the batch maxTimestamp, as we do', async () => {
  const encoded = encodeRecordBatch({
    timestampType: 1,
    maxTimestamp: 1_750_000_000_000,
    records: [{ key: null, value: Buffer.from('a'), timestamp: 1_700_000_000_000 }, { key: null, value: Buffer.from('b'), timestamp: 1_700_000_000_500 }],
  });
  const theirs = await kafkajsDecodeBatch(encoded);
  const ours = decodeRecordBatch(encoded);
  ours.records.forEach((record, i) => assertSameRecord(record, theirs.records[i]!));
  assert.deepEqual(theirs.records.map((r) => r.timestamp), ['1750000000000', '1750000000000']);
});

test('our CRC32C agrees with the one KafkaJS computes, for any bytes', () => {
  fc.assert(fc.property(bytes(2048), (input) => {
    assert.equal(crc32c(input), kafkajsCrc(input));
  }), { numRuns: 200 });
});
