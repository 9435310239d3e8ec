import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compress, COMPRESSION_GZIP, COMPRESSION_ZSTD } from '../../../../src/protocol/compression/index.js';
import { ProtocolError, Writer } from '../../../../src/protocol/primitives/index.js';
import {
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  crc32c,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  decodeRecordBatch,
  decodeRecordBatches,
  encodeControlRecordKey,
  encodeEndTxnMarkerBatch,
  encodeRecord,
  encodeRecordBatch,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_LOG_APPEND_TIME,
} from '../../../../src/protocol/record-batch/index.js';
import type { RecordBatchSpec, RecordFields } from '../../../../src/protocol/record-batch/index.js';
import { batchSpecArbitrary } from './record-batch-arbitraries.js';

function isProtocolError(err: unknown): boolean {
  return err instanceof ProtocolError;
}

/** A batch around hand-encoded record bytes, with a correct header and CRC. */
function batchAround(recordBytes: Buffer, recordCount: number, codec = 0): Buffer {
  const body = compress(codec, recordBytes);
  const batch = Buffer.alloc(RECORD_BATCH_OVERHEAD + body.length);
  batch.writeInt32BE(RECORD_BATCH_OVERHEAD - 12 + body.length, 8);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(codec, 21);
  batch.writeInt32BE(recordCount, 57);
  body.copy(batch, RECORD_BATCH_OVERHEAD);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

function encodeRecords(records: RecordFields[]): Buffer {
  const writer = new Writer();
  for (const record of records) encodeRecord(writer, record);
  return writer.toBuffer();
}

const plainRecord: RecordFields = { attributes: 0, timestampDelta: 0, offsetDelta: 0, key: null, value: Buffer.from('v'), headers: [] };

test('a batch decodes to the header fields and records it was encoded from, for every codec and flag', () => {
  fc.assert(fc.property(batchSpecArbitrary, (spec) => {
    const decoded = decodeRecordBatch(encodeRecordBatch(spec));
    assert.equal(decoded.baseOffset, spec.baseOffset);
    assert.equal(decoded.partitionLeaderEpoch, spec.partitionLeaderEpoch);
    assert.equal(decoded.magic, 2);
    assert.equal(decoded.compression, spec.compression);
    assert.equal(decoded.timestampType, spec.timestampType);
    assert.equal(decoded.isTransactional, spec.isTransactional);
    assert.equal(decoded.isControl, spec.isControl);
    assert.equal(decoded.hasDeleteHorizonMs, false);
    assert.equal(decoded.producerId, spec.producerId);
    assert.equal(decoded.producerEpoch, spec.producerEpoch);
    assert.equal(decoded.baseSequence, spec.baseSequence);
    assert.equal(decoded.baseTimestamp, spec.baseTimestamp);
    const last = spec.records.at(-1);
    assert.equal(decoded.lastOffsetDelta, last?.offsetDelta ?? 0);
    assert.equal(decoded.records.length, spec.records.length);
    spec.records.forEach((expected, i) => {
      const record = decoded.records[i]!;
      assert.deepEqual(record.key, expected.key);
      assert.deepEqual(record.value, expected.value);
      assert.deepEqual(record.headers, expected.headers);
      assert.equal(record.offsetDelta, expected.offsetDelta);
      assert.equal(record.offset, spec.baseOffset! + expected.offsetDelta!);
      assert.equal(record.timestampDelta, expected.timestamp! - spec.baseTimestamp!);
      const expectedTimestamp = spec.timestampType === TIMESTAMP_TYPE_LOG_APPEND_TIME ? spec.maxTimestamp : expected.timestamp;
      assert.equal(record.timestamp, expectedTimestamp);
    });
  }), { numRuns: 150 });
});

test('maxTimestamp defaults to the largest record timestamp and baseTimestamp to the first', () => {
  const batch = decodeRecordBatch(encodeRecordBatch({
    records: [{ key: null, value: null, timestamp: 500 }, { key: null, value: null, timestamp: 900 }, { key: null, value: null, timestamp: 100 }],
  }));
  assert.equal(batch.baseTimestamp, 500);
  assert.equal(batch.maxTimestamp, 900);
  assert.deepEqual(batch.records.map((r) => r.timestampDelta), [0, 400, -400]);
  assert.deepEqual(batch.records.map((r) => r.offset), [0, 1, 2]);
  assert.equal(batch.producerId, -1);
  assert.equal(batch.baseSequence, -1);
  assert.equal(batch.partitionLeaderEpoch, -1);
});

test('a delete horizon sets its flag and becomes the base that record timestamps are relative to', () => {
  const batch = decodeRecordBatch(encodeRecordBatch({ deleteHorizonMs: 10_000, records: [{ key: Buffer.from('k'), value: null, timestamp: 9_000 }] }));
  assert.equal(batch.hasDeleteHorizonMs, true);
  assert.equal(batch.baseTimestamp, 10_000);
  assert.equal(batch.records[0]!.timestamp, 9_000);
});

test('decoded keys and values of an uncompressed batch are views of the batch buffer', () => {
  const encoded = encodeRecordBatch({ records: [{ key: Buffer.from('key'), value: Buffer.from('value'), headers: [{ key: 'h', value: Buffer.from('hv') }] }] });
  const record = decodeRecordBatch(encoded).records[0]!;
  assert.equal(record.key!.buffer, encoded.buffer);
  assert.equal(record.value!.buffer, encoded.buffer);
  assert.equal(record.headers[0]!.value!.buffer, encoded.buffer);
});

test('decodeRecordBatch decodes the batch at an offset and decodeRecordBatches every whole batch, skipping a partial tail', () => {
  const a = encodeRecordBatch({ baseOffset: 0, records: [{ key: null, value: Buffer.from('a') }] });
  const b = encodeRecordBatch({ baseOffset: 1, compression: COMPRESSION_GZIP, records: [{ key: null, value: Buffer.from('b') }] });
  const all = Buffer.concat([a, b, a.subarray(0, 30)]);
  assert.equal(decodeRecordBatch(all, a.length).records[0]!.value!.toString(), 'b');
  assert.deepEqual(decodeRecordBatches(all).map((batch) => batch.records[0]!.value!.toString()), ['a', 'b']);
});

test('decoding refuses a corrupt CRC unless told not to check it', () => {
  const encoded = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('payload') }] });
  // The value's last byte; the batch's very last byte is the record's header count.
  encoded[encoded.length - 2] = encoded[encoded.length - 2]! ^ 0x01;
  assert.throws(() => decodeRecordBatch(encoded), /CRC/);
  assert.equal(decodeRecordBatch(encoded, 0, { verifyCrc: false }).records.length, 1);
});

test('decoding refuses records whose fields do not match their declared length', () => {
  const recordBytes = encodeRecords([plainRecord]);
  const longer = Buffer.from(recordBytes);
  longer[0] = longer[0]! + 2; // length varint: one more (zig-zag)
  assert.throws(() => decodeRecordBatch(batchAround(Buffer.concat([longer, Buffer.from([0])]), 1)), /declares/);
});

test('decoding refuses bytes left over after the declared record count, and counts the bytes cannot hold', () => {
  const two = encodeRecords([plainRecord, plainRecord]);
  assert.throws(() => decodeRecordBatch(batchAround(two, 1)), /after its 1 records/);
  assert.throws(() => decodeRecordBatch(batchAround(two, 3)), isProtocolError);
  assert.throws(() => decodeRecordBatch(batchAround(two, 0x7fffffff)), isProtocolError);
  assert.throws(() => decodeRecordBatch(batchAround(two, 1, COMPRESSION_ZSTD)), /after its 1 records/);
});

test('decoding refuses an unassigned compression codec and a decompression limit breach with ProtocolError', () => {
  assert.throws(() => decodeRecordBatch(batchAround(encodeRecords([plainRecord]), 1, 5)), /compression codec 5/);
  const big = encodeRecordBatch({ compression: COMPRESSION_ZSTD, records: [{ key: null, value: Buffer.alloc(100_000) }] });
  assert.throws(() => decodeRecordBatch(big, 0, { maxDecompressedBytes: 10_000 }), /exceeds the limit/);
});

test('random record bytes inside a valid batch frame decode or throw ProtocolError, never another error', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 4 }), (bytes, count) => {
    try {
      decodeRecordBatch(batchAround(Buffer.from(bytes), count));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
    }
  }), { numRuns: 500 });
});

test('encoding refuses header values a field cannot hold with ProtocolError', () => {
  const records = [{ key: null, value: null }];
  assert.throws(() => encodeRecordBatch({ records, producerEpoch: 40_000 }), isProtocolError);
  assert.throws(() => encodeRecordBatch({ records, baseSequence: 2 ** 31 }), isProtocolError);
  assert.throws(() => encodeRecordBatch({ records, baseOffset: 2 ** 60 }), isProtocolError);
  assert.throws(() => encodeRecordBatch({ records: [{ key: null, value: null, offsetDelta: 2 ** 31 }] }), isProtocolError);
});

test('an end-transaction marker batch is a transactional control batch with one COMMIT or ABORT record', () => {
  for (const isCommit of [true, false]) {
    const spec = { isCommit, producerId: 4242, producerEpoch: 7, coordinatorEpoch: 3, timestamp: 1_700_000_000_000, baseOffset: 99 };
    const batch = decodeRecordBatch(encodeEndTxnMarkerBatch(spec));
    assert.equal(batch.isControl, true);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.producerId, 4242);
    assert.equal(batch.producerEpoch, 7);
    assert.equal(batch.baseSequence, -1);
    assert.equal(batch.records.length, 1);
    const record = batch.records[0]!;
    assert.equal(record.offset, 99);
    assert.equal(record.timestamp, spec.timestamp);
    assert.deepEqual(decodeControlRecordKey(record.key), { version: 0, type: isCommit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT });
    assert.deepEqual(decodeEndTxnMarkerValue(record.value), { version: 0, coordinatorEpoch: 3 });
  }
});

test('control record keys and marker values are fixed-size big-endian and tolerate appended fields', () => {
  assert.deepEqual(encodeControlRecordKey(CONTROL_TYPE_COMMIT), Buffer.from([0, 0, 0, 1]));
  assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 1, 0, 0, 9, 9])), { version: 1, type: 0 });
  assert.deepEqual(decodeEndTxnMarkerValue(Buffer.from([0, 0, 0, 0, 1, 0, 7])), { version: 0, coordinatorEpoch: 256 });
  assert.throws(() => decodeControlRecordKey(Buffer.from([0, 0, 0])), isProtocolError);
  assert.throws(() => decodeControlRecordKey(null), isProtocolError);
  assert.throws(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 0])), /version/);
  assert.throws(() => decodeEndTxnMarkerValue(Buffer.from([0, 0, 0])), isProtocolError);
});

test('records without explicit offset deltas take their index, and lastOffsetDelta can be kept past them', () => {
  const spec: RecordBatchSpec = { lastOffsetDelta: 9, records: [{ key: null, value: null }, { key: null, value: null }] };
  const batch = decodeRecordBatch(encodeRecordBatch(spec));
  assert.deepEqual(batch.records.map((r) => r.offsetDelta), [0, 1]);
  assert.equal(batch.lastOffsetDelta, 9);
});
