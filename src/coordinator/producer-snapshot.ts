/**
 * Producer-state snapshot files: `<offset>.snapshot` in the partition directory (Kafka's name:
 * the offset zero-padded to 20 digits), holding the state of every producer id as of that log
 * offset, so a restart replays only the batches after it instead of the whole log.
 *
 * Format (big-endian), our own:
 *
 *   version int16 (1) | crc uint32 | producerCount int32 | producers...
 *   producer: producerId int64, producerEpoch int16, coordinatorEpoch int32,
 *             currentTxnFirstOffset int64, lastTimestamp int64, batchCount int8, batches...
 *   batch:    firstSeq int32, lastSeq int32, firstOffset int64, lastOffsetDelta int32, timestamp int64
 *
 * The CRC32C covers everything after itself. A file is written to `.tmp` and renamed into place,
 * so a name never holds half a snapshot; a file whose CRC or framing fails (a write the OS lost
 * in a crash) is corrupt, and the caller falls back to an older snapshot or to the log itself.
 * Losing a snapshot costs replay time, never correctness.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, readInt64, writeInt64 } from '../protocol/record-batch/index.js';
import { BATCHES_RETAINED_PER_PRODUCER, type BatchMetadata, ProducerStateEntry } from './producer-state-entry.js';

export const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;
const VERSION = 1;
const CRC_POSITION = 2;
const HEADER_BYTES = 10;
const PRODUCER_BYTES = 31;
const BATCH_BYTES = 28;

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Producer ids and timestamps come from clients' batch headers and may exceed 2^53; such a value
 * is the double readInt64 made of the wire's int64, stored exactly (clamped to the int64 range), so
 * reading it back gives the same number.
 */
function writeLong(buf: Buffer, position: number, value: number): void {
  if (Number.isSafeInteger(value)) {
    writeInt64(buf, position, value);
    return;
  }
  let big = BigInt(value);
  if (big > INT64_MAX) big = INT64_MAX;
  if (big < INT64_MIN) big = INT64_MIN;
  buf.writeBigInt64BE(big, position);
}

export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
}

export function snapshotPath(dir: string, offset: number): string {
  return join(dir, String(offset).padStart(20, '0') + SNAPSHOT_SUFFIX);
}

/** Offsets of the snapshot files in `dir`, ascending. */
export function listSnapshotOffsets(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of readdirSync(dir)) {
    const match = SNAPSHOT_NAME.exec(name);
    if (match) offsets.push(Number(match[1]));
  }
  return offsets.sort((a, b) => a - b);
}

export function deleteSnapshot(dir: string, offset: number): void {
  rmSync(snapshotPath(dir, offset), { force: true });
}

export function encodeSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  let size = HEADER_BYTES;
  for (const entry of list) size += PRODUCER_BYTES + entry.batches.length * BATCH_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(list.length, 6);
  let p = HEADER_BYTES;
  for (const entry of list) {
    writeLong(buf, p, entry.producerId);
    buf.writeInt16BE(entry.producerEpoch, p + 8);
    buf.writeInt32BE(entry.coordinatorEpoch, p + 10);
    writeLong(buf, p + 14, entry.currentTxnFirstOffset);
    writeLong(buf, p + 22, entry.lastTimestamp);
    buf.writeInt8(entry.batches.length, p + 30);
    p += PRODUCER_BYTES;
    for (const batch of entry.batches) {
      buf.writeInt32BE(batch.firstSeq, p);
      buf.writeInt32BE(batch.lastSeq, p + 4);
      writeLong(buf, p + 8, batch.firstOffset);
      buf.writeInt32BE(batch.lastOffset - batch.firstOffset, p + 16);
      writeLong(buf, p + 20, batch.timestamp);
      p += BATCH_BYTES;
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(HEADER_BYTES - 4)), CRC_POSITION);
  return buf;
}

function corrupt(message: string): never {
  throw new CorruptSnapshotError(message);
}

export function decodeSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < HEADER_BYTES) corrupt(`${buf.length} bytes are shorter than a snapshot header`);
  const version = buf.readInt16BE(0);
  if (version !== VERSION) corrupt(`unknown snapshot version ${version}`);
  const crc = buf.readUInt32BE(CRC_POSITION);
  const computed = crc32c(buf.subarray(HEADER_BYTES - 4));
  if (crc !== computed) corrupt(`stored CRC ${crc} but computed ${computed}`);
  const count = buf.readInt32BE(6);
  if (count < 0 || count * PRODUCER_BYTES > buf.length - HEADER_BYTES) corrupt(`producer count ${count} does not fit the file`);
  const entries: ProducerStateEntry[] = [];
  let p = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (p + PRODUCER_BYTES > buf.length) corrupt(`producer ${i} runs past the end`);
    const entry = new ProducerStateEntry(readInt64(buf, p), buf.readInt16BE(p + 8), readInt64(buf, p + 22));
    entry.coordinatorEpoch = buf.readInt32BE(p + 10);
    entry.currentTxnFirstOffset = readInt64(buf, p + 14);
    const batchCount = buf.readInt8(p + 30);
    p += PRODUCER_BYTES;
    if (batchCount < 0 || batchCount > BATCHES_RETAINED_PER_PRODUCER || p + batchCount * BATCH_BYTES > buf.length) {
      corrupt(`producer ${entry.producerId} has an impossible batch count ${batchCount}`);
    }
    for (let b = 0; b < batchCount; b++) {
      const firstOffset = readInt64(buf, p + 8);
      const batch: BatchMetadata = {
        firstSeq: buf.readInt32BE(p),
        lastSeq: buf.readInt32BE(p + 4),
        firstOffset,
        lastOffset: firstOffset + buf.readInt32BE(p + 16),
        timestamp: readInt64(buf, p + 20),
      };
      entry.batches.push(batch);
      p += BATCH_BYTES;
    }
    entries.push(entry);
  }
  if (p !== buf.length) corrupt(`${buf.length - p} bytes follow the last producer`);
  return entries;
}

/** Writes the snapshot at `offset` (replacing one there); `sync` fsyncs it before the rename. */
export function writeSnapshot(dir: string, offset: number, entries: Iterable<ProducerStateEntry>, sync: boolean): void {
  const path = snapshotPath(dir, offset);
  const tmp = `${path}.tmp`;
  const bytes = encodeSnapshot(entries);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readSnapshot(dir: string, offset: number): ProducerStateEntry[] {
  return decodeSnapshot(readFileSync(snapshotPath(dir, offset)));
}
