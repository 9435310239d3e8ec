/**
 * Record batch hot-path costs on a 1 MiB batch of 1 KiB records: the header view plus CRC check
 * the broker runs on every produced batch, CRC32C alone, a 1 MiB Buffer copy as the baseline
 * (the least any append must pay), each codec's compress and decompress throughput, and a full
 * decode for comparison. Each figure is the median of several timed runs after a warm-up.
 *
 * Run: `npx tsc -p . && node dist/bench/record-batch.js`. Prints a table; writes nothing.
 */
import { cpus } from 'node:os';
import {
  compress,
  compressionCodecName,
  COMPRESSION_GZIP,
  COMPRESSION_LZ4,
  COMPRESSION_SNAPPY,
  COMPRESSION_ZSTD,
  decompress,
} from '../src/protocol/compression/index.js';
import type { CompressionCodec } from '../src/protocol/compression/index.js';
import { crc32c, decodeRecordBatch, encodeRecordBatch, RecordBatchHeader } from '../src/protocol/record-batch/index.js';
import type { RecordSpec } from '../src/protocol/record-batch/index.js';

const RECORD_BYTES = 1024;
const RECORD_COUNT = 1024;
const RUNS = 9;
/** Each timed run lasts at least this long, so short operations are repeated enough to measure. */
const MIN_RUN_MS = 50;

interface Measurement {
  name: string;
  /** Median microseconds per operation. */
  microsPerOp: number;
  /** Bytes one operation processes, for MB/s. */
  bytesPerOp: number;
  note: string;
}

/** Deterministic xorshift, so every run measures the same bytes. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** A JSON-ish event padded to 1 KiB: compresses roughly as real application records do. */
function makeRecordValue(random: () => number, index: number): Buffer {
  const words = ['click', 'view', 'purchase', 'signup', 'logout', 'search', 'scroll', 'share'];
  let text = `{"id":${index},"user":${random() % 100000},"events":[`;
  while (text.length < RECORD_BYTES - 40) {
    text += `{"type":"${words[random() % words.length]}","at":${1_700_000_000_000 + (random() % 86_400_000)},"v":${random() % 1000}},`;
  }
  return Buffer.from(text.padEnd(RECORD_BYTES - 2, ' ') + ']}').subarray(0, RECORD_BYTES);
}

function makeRecords(): RecordSpec[] {
  const random = makeRandom(0x5eed);
  return Array.from({ length: RECORD_COUNT }, (_, i) => ({
    key: Buffer.from(`user-${random() % 10000}`),
    value: makeRecordValue(random, i),
    timestamp: 1_700_000_000_000 + i,
  }));
}

/** Median µs per call of `op`, over RUNS timed runs after a warm-up run. */
function time(op: () => void): number {
  let iterations = 1;
  const warmUpStart = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - warmUpStart) / 1e6 < MIN_RUN_MS) {
    op();
    iterations++;
  }
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) op();
    samples.push(Number(process.hrtime.bigint() - start) / 1e3 / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function measure(name: string, bytesPerOp: number, op: () => void, note = ''): Measurement {
  return { name, microsPerOp: time(op), bytesPerOp, note };
}

function formatRow(m: Measurement): string {
  const megabytesPerSecond = m.bytesPerOp / m.microsPerOp; // bytes/µs = MB/s
  return `${m.name.padEnd(30)} ${m.microsPerOp.toFixed(1).padStart(10)} ${megabytesPerSecond.toFixed(0).padStart(10)}  ${m.note}`;
}

function main(): void {
  const records = makeRecords();
  const batch = encodeRecordBatch({ records, producerId: 1, producerEpoch: 0, baseSequence: 0 });
  const recordBytes = batch.subarray(61);
  const header = new RecordBatchHeader();
  const copyTarget = Buffer.allocUnsafe(batch.length);
  let sink = 0;

  const rows: Measurement[] = [
    measure('baseline: Buffer copy', batch.length, () => {
      batch.copy(copyTarget);
    }),
    measure('header view + validate (CRC)', batch.length, () => {
      header.reset(batch, 0);
      header.validate();
      sink += header.lastOffsetDelta;
    }),
    measure('header view, fields only', batch.length, () => {
      header.reset(batch, 0);
      sink += header.lastOffsetDelta + header.maxTimestamp + header.producerId + header.recordCount;
    }, 'no CRC; MB/s is nominal'),
    measure('CRC32C alone', batch.length - 21, () => {
      sink += crc32c(batch.subarray(21));
    }),
    measure('decode batch (none)', batch.length, () => {
      sink += decodeRecordBatch(batch).records.length;
    }, 'full record decode'),
  ];

  const codecs: CompressionCodec[] = [COMPRESSION_GZIP, COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD];
  for (const codec of codecs) {
    const name = compressionCodecName(codec);
    const compressed = compress(codec, recordBytes);
    const ratio = `ratio ${(recordBytes.length / compressed.length).toFixed(2)}, ${compressed.length} bytes`;
    rows.push(measure(`${name} compress`, recordBytes.length, () => {
      sink += compress(codec, recordBytes).length;
    }, ratio));
    rows.push(measure(`${name} decompress`, recordBytes.length, () => {
      sink += decompress(codec, compressed).length;
    }, 'MB/s of output'));
    const compressedBatch = encodeRecordBatch({ records, compression: codec });
    rows.push(measure(`decode batch (${name})`, recordBytes.length, () => {
      sink += decodeRecordBatch(compressedBatch).records.length;
    }, 'decompress + record decode'));
  }

  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`record batch bench: ${RECORD_COUNT} records of ${RECORD_BYTES} B, batch ${batch.length} B`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpu}, median of ${RUNS} runs`);
  console.log(`${'operation'.padEnd(30)} ${'µs/op'.padStart(10)} ${'MB/s'.padStart(10)}  note`);
  for (const row of rows) console.log(formatRow(row));
  if (sink === -1) console.log('unreachable; keeps results observable');
}

main();
