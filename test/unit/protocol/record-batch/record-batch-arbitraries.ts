/**
 * fast-check generators for record batch specs: every codec, both timestamp types, transactional
 * and control flags, null and empty keys/values/header values, gaps in offset deltas (as
 * compaction leaves them) and negative timestamp deltas.
 */
import fc from 'fast-check';
import type { CompressionCodec } from '../../../../src/protocol/compression/index.js';
import type { RecordBatchSpec, RecordSpec, TimestampType } from '../../../../src/protocol/record-batch/index.js';

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const nullableBytes = fc.option(bytes(48), { nil: null });

// Plain objects, as the decoder returns (fc.record builds null-prototype ones by default).
const plain = { noNullPrototype: true } as const;

const headerArbitrary = fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 8 }), value: nullableBytes }, plain);

const recordShape = fc.record({
  key: nullableBytes,
  value: fc.option(bytes(200), { nil: null }),
  headers: fc.array(headerArbitrary, { maxLength: 3 }),
  timestampDelta: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  offsetGap: fc.integer({ min: 0, max: 3 }),
}, plain);

export const batchSpecArbitrary: fc.Arbitrary<RecordBatchSpec> = fc.record({
  baseOffset: fc.integer({ min: 0, max: 2 ** 45 }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 0x7fffffff }),
  compression: fc.constantFrom<CompressionCodec>(0, 1, 2, 3, 4),
  timestampType: fc.constantFrom<TimestampType>(0, 1),
  isTransactional: fc.boolean(),
  isControl: fc.boolean(),
  producerId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 45 })),
  producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
  baseSequence: fc.integer({ min: -1, max: 0x7fffffff }),
  baseTimestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  logAppendTime: fc.integer({ min: 0, max: 2 ** 42 }),
  records: fc.array(recordShape, { maxLength: 12 }),
}, plain).map(({ baseTimestamp, logAppendTime, records, ...header }) => {
  let offsetDelta = -1;
  const specs: RecordSpec[] = records.map((r) => {
    offsetDelta += 1 + r.offsetGap;
    return { key: r.key, value: r.value, headers: r.headers, timestamp: baseTimestamp + r.timestampDelta, offsetDelta };
  });
  // Under LogAppendTime the broker's append time is the batch's maxTimestamp.
  const maxTimestamp = header.timestampType === 1 ? logAppendTime : undefined;
  return { ...header, baseTimestamp, maxTimestamp, records: specs };
});
