import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COMPRESSION_LZ4, COMPRESSION_SNAPPY } from '../../../../src/protocol/compression/index.js';
import { ProtocolError } from '../../../../src/protocol/primitives/index.js';
import {
  ATTRIBUTES_POSITION,
  crc32c,
  decodeRecordBatch,
  encodeRecordBatch,
  RECORD_BATCH_OVERHEAD,
  RecordBatchCursor,
  RecordBatchHeader,
  TIMESTAMP_TYPE_CREATE_TIME,
  TIMESTAMP_TYPE_LOG_APPEND_TIME,
} from '../../../../src/protocol/record-batch/index.js';
import type { RecordBatchSpec } from '../../../../src/protocol/record-batch/index.js';
import { batchSpecArbitrary } from './record-batch-arbitraries.js';

function isProtocolError(err: unknown): boolean {
  return err instanceof ProtocolError;
}

const SMALL_SPEC: RecordBatchSpec = {
  baseOffset: 0,
  producerId: 77,
  producerEpoch: 2,
  baseSequence: 10,
  isTransactional: true,
  records: [
    { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1_000, headers: [{ key: 'h', value: Buffer.from('x') }] },
    { key: null, value: Buffer.from('v2'), timestamp: 1_500 },
  ],
};

test('the header view reads the same fields the full decoder does', () => {
  const header = new RecordBatchHeader();
  fc.assert(fc.property(batchSpecArbitrary, fc.integer({ min: 0, max: 16 }), (spec, padding) => {
    const buf = Buffer.concat([Buffer.alloc(padding, 0xee), encodeRecordBatch(spec)]);
    const decoded = decodeRecordBatch(buf, padding);
    header.reset(buf, padding);
    header.validate();
    assert.equal(header.baseOffset, decoded.baseOffset);
    assert.equal(header.batchLength, decoded.batchLength);
    assert.equal(header.sizeInBytes, buf.length - padding);
    assert.equal(header.partitionLeaderEpoch, decoded.partitionLeaderEpoch);
    assert.equal(header.magic, 2);
    assert.equal(header.crc, decoded.crc);
    assert.equal(header.attributes, decoded.attributes);
    assert.equal(header.compression, decoded.compression);
    assert.equal(header.timestampType, decoded.timestampType);
    assert.equal(header.isTransactional, decoded.isTransactional);
    assert.equal(header.isControl, decoded.isControl);
    assert.equal(header.hasDeleteHorizonMs, decoded.hasDeleteHorizonMs);
    assert.equal(header.lastOffsetDelta, decoded.lastOffsetDelta);
    assert.equal(header.lastOffset, decoded.baseOffset + decoded.lastOffsetDelta);
    assert.equal(header.baseTimestamp, decoded.baseTimestamp);
    assert.equal(header.maxTimestamp, decoded.maxTimestamp);
    assert.equal(header.producerId, decoded.producerId);
    assert.equal(header.producerEpoch, decoded.producerEpoch);
    assert.equal(header.baseSequence, decoded.baseSequence);
    assert.equal(header.recordCount, decoded.records.length);
  }), { numRuns: 100 });
});

test('the stored CRC is CRC32C from the attributes to the end of the batch', () => {
  const batch = encodeRecordBatch(SMALL_SPEC);
  assert.equal(batch.readUInt32BE(17), crc32c(batch.subarray(ATTRIBUTES_POSITION)));
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('CRC verification catches every single-byte change anywhere in the CRC span', () => {
  const batch = encodeRecordBatch(SMALL_SPEC);
  const header = new RecordBatchHeader(batch, 0);
  for (let index = ATTRIBUTES_POSITION; index < batch.length; index++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      batch[index] = batch[index]! ^ mask;
      assert.equal(header.isCrcValid(), false, `byte ${index} ^ ${mask}`);
      batch[index] = batch[index]! ^ mask;
    }
  }
  assert.equal(header.isCrcValid(), true);
});

test('CRC verification catches any flipped byte in the CRC span of any batch', () => {
  const header = new RecordBatchHeader();
  fc.assert(fc.property(batchSpecArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (spec, at, mask) => {
    const batch = encodeRecordBatch(spec);
    const index = ATTRIBUTES_POSITION + (at % (batch.length - ATTRIBUTES_POSITION));
    batch[index] = batch[index]! ^ mask;
    header.reset(batch, 0);
    assert.equal(header.isCrcValid(), false);
    // A flip in recordCount may be caught as framing before the CRC is even computed.
    assert.throws(() => header.validate(), isProtocolError);
  }), { numRuns: 200 });
});

test('a damaged stored CRC fails validation while baseOffset and leader epoch bytes are outside the span', () => {
  const batch = encodeRecordBatch(SMALL_SPEC);
  const header = new RecordBatchHeader(batch, 0);
  batch[18] = batch[18]! ^ 0x10;
  assert.equal(header.isCrcValid(), false);
  batch[18] = batch[18]! ^ 0x10;
  for (const index of [0, 7, 12, 15]) batch[index] = 0x5a;
  assert.equal(header.isCrcValid(), true);
});

test('rewriting baseOffset and partitionLeaderEpoch in place keeps the CRC valid and shifts record offsets', () => {
  fc.assert(fc.property(batchSpecArbitrary, fc.integer({ min: 0, max: 2 ** 50 }), fc.integer({ min: 0, max: 0x7fffffff }), (spec, baseOffset, epoch) => {
    const batch = encodeRecordBatch(spec);
    const header = new RecordBatchHeader(batch, 0);
    header.setBaseOffset(baseOffset);
    header.setPartitionLeaderEpoch(epoch);
    header.validate();
    const decoded = decodeRecordBatch(batch);
    assert.equal(decoded.baseOffset, baseOffset);
    assert.equal(decoded.partitionLeaderEpoch, epoch);
    decoded.records.forEach((record) => assert.equal(record.offset, baseOffset + record.offsetDelta));
  }), { numRuns: 100 });
});

test('LogAppendTime stamping sets the type and maxTimestamp and recomputes the CRC as an encoder would', () => {
  fc.assert(fc.property(batchSpecArbitrary, fc.integer({ min: 0, max: 2 ** 42 }), (spec, appendTime) => {
    const createTimeSpec: RecordBatchSpec = { ...spec, timestampType: TIMESTAMP_TYPE_CREATE_TIME, maxTimestamp: undefined };
    const batch = encodeRecordBatch(createTimeSpec);
    const header = new RecordBatchHeader(batch, 0);
    header.setMaxTimestamp(TIMESTAMP_TYPE_LOG_APPEND_TIME, appendTime);
    header.validate();
    assert.equal(header.timestampType, TIMESTAMP_TYPE_LOG_APPEND_TIME);
    assert.equal(header.maxTimestamp, appendTime);
    // Same bytes as a batch encoded with LogAppendTime from the start (the codecs are deterministic).
    const expected = encodeRecordBatch({ ...createTimeSpec, timestampType: TIMESTAMP_TYPE_LOG_APPEND_TIME, maxTimestamp: appendTime });
    assert.deepEqual(batch, expected);
    for (const record of decodeRecordBatch(batch).records) assert.equal(record.timestamp, appendTime);
  }), { numRuns: 100 });
});

test('framing validation refuses truncation, a wrong magic, a short batchLength and a negative record count', () => {
  const batch = encodeRecordBatch(SMALL_SPEC);
  const header = new RecordBatchHeader();
  assert.throws(() => header.reset(batch.subarray(0, RECORD_BATCH_OVERHEAD - 1), 0), /truncated/);
  assert.throws(() => header.reset(batch, -1), isProtocolError);
  assert.throws(() => header.reset(batch.subarray(0, batch.length - 1), 0).validate(), /needs/);

  const wrongMagic = Buffer.from(batch);
  wrongMagic[16] = 1;
  assert.throws(() => header.reset(wrongMagic, 0).validate(), /magic 1/);

  const shortLength = Buffer.from(batch);
  shortLength.writeInt32BE(48, 8);
  assert.throws(() => header.reset(shortLength, 0).validate(), /below the minimum/);

  const negativeCount = Buffer.from(batch);
  negativeCount.writeInt32BE(-1, 57);
  assert.throws(() => header.reset(negativeCount, 0).validate(), /negative record count/);
});

test('LogAppendTime stamping refuses a batch that is not whole', () => {
  const batch = encodeRecordBatch(SMALL_SPEC);
  const header = new RecordBatchHeader(batch.subarray(0, batch.length - 3), 0);
  assert.throws(() => header.setMaxTimestamp(TIMESTAMP_TYPE_LOG_APPEND_TIME, 5), isProtocolError);
});

test('lastSequence adds lastOffsetDelta to baseSequence and wraps past 2^31-1 to 0', () => {
  const read = (baseSequence: number, records: number) =>
    new RecordBatchHeader(encodeRecordBatch({ baseSequence, records: Array.from({ length: records }, () => ({ key: null, value: null })) }), 0).lastSequence;
  assert.equal(read(10, 3), 12);
  assert.equal(read(-1, 3), -1);
  assert.equal(read(0x7fffffff, 1), 0x7fffffff);
  assert.equal(read(0x7fffffff, 2), 0);
  assert.equal(read(0x7ffffffe, 4), 1);
});

test('the cursor walks concatenated batches and stops where complete batches end, at any cut', () => {
  const batches = [
    encodeRecordBatch({ ...SMALL_SPEC, baseOffset: 0 }),
    encodeRecordBatch({ ...SMALL_SPEC, baseOffset: 2, compression: COMPRESSION_SNAPPY }),
    encodeRecordBatch({ ...SMALL_SPEC, baseOffset: 4, compression: COMPRESSION_LZ4 }),
  ];
  const all = Buffer.concat(batches);
  const ends = batches.map((_, i) => batches.slice(0, i + 1).reduce((sum, b) => sum + b.length, 0));
  const cursor = new RecordBatchCursor();
  for (let cut = 0; cut <= all.length; cut++) {
    cursor.reset(all, 0, cut);
    const seen: number[] = [];
    while (cursor.next()) {
      cursor.header.validate();
      seen.push(cursor.header.baseOffset);
    }
    const complete = ends.filter((end) => end <= cut);
    assert.deepEqual(seen, [0, 2, 4].slice(0, complete.length), `cut ${cut}`);
    assert.equal(cursor.position, complete.at(-1) ?? 0);
    assert.equal(cursor.hasPartialBatch, cut !== cursor.position);
  }
});

test('the cursor throws on impossible framing and leaves its position at the bad batch', () => {
  const good = encodeRecordBatch(SMALL_SPEC);
  const bad = Buffer.from(good);
  bad.writeInt32BE(10, 8);
  const cursor = new RecordBatchCursor(Buffer.concat([good, bad]));
  assert.equal(cursor.next(), true);
  assert.throws(() => cursor.next(), /below the minimum/);
  assert.equal(cursor.position, good.length);

  const wrongMagic = Buffer.from(good);
  wrongMagic[16] = 0;
  assert.throws(() => new RecordBatchCursor(wrongMagic).next(), /magic 0/);
});
