/**
 * The reference model for log compaction tests: every keyed record ever appended, the cleaner
 * checkpoint, and when each retained tombstone was first cleaned. From these it says exactly which
 * records a compacted log holds, in Kafka's terms:
 *
 * - at or above the checkpoint (the dirty section) every record is still there;
 * - below it a record is there iff it has a key, no later record of that key lies below the
 *   checkpoint, and it is not a tombstone whose delete horizon (first cleaning + delete.retention.ms,
 *   KIP-534) had passed when a later pass ran.
 */
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import type { RecordBatch } from '../../src/protocol/record-batch/index.js';

export interface KeyedRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

export type Codec = 0 | 1 | 2 | 3 | 4;

/** A batch of keyed records (null key or value allowed) with consecutive offset deltas. */
export function keyedBatch(records: readonly { key: string | null; value: string | null }[], timestamp: number, compression: Codec = 0): Buffer {
  return encodeRecordBatch({
    records: records.map((r, i) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      timestamp: timestamp + i,
    })),
    compression,
  });
}

interface ReadableLog {
  read(offset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean): Promise<{ records: Buffer; nextOffset: number }>;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

/** Every batch of the log from its start, decoded with CRC checks. */
export async function readBatches(log: ReadableLog): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 64 * 1024, Number.MAX_SAFE_INTEGER, true);
    if (data.records.length === 0) break;
    out.push(...decodeRecordBatches(data.records));
    offset = data.nextOffset;
  }
  return out;
}

export function recordsOf(batches: readonly RecordBatch[]): KeyedRecord[] {
  return batches.flatMap((b) => b.records.map((r) => ({
    offset: r.offset,
    key: r.key === null ? null : r.key.toString(),
    value: r.value === null ? null : r.value.toString(),
  })));
}

export async function readRecords(log: ReadableLog): Promise<KeyedRecord[]> {
  return recordsOf(await readBatches(log));
}

export class CompactionModel {
  readonly records: KeyedRecord[] = [];
  /** Codec of each appended batch, by base offset. */
  readonly codecs = new Map<number, Codec>();
  cleanedUpTo = 0;
  private readonly firstCleanedAt = new Map<number, number>();
  private readonly expired = new Set<number>();

  constructor(readonly deleteRetentionMs: number) {}

  append(baseOffset: number, records: readonly { key: string | null; value: string | null }[], codec: Codec): void {
    this.codecs.set(baseOffset, codec);
    records.forEach((r, i) => this.records.push({ offset: baseOffset + i, key: r.key, value: r.value }));
  }

  /** The records the log must hold now. */
  expected(): KeyedRecord[] {
    const below = this.cleanedUpTo;
    const latestBelow = new Map<string, number>();
    for (const r of this.records) if (r.offset < below && r.key !== null) latestBelow.set(r.key, r.offset);
    return this.records.filter((r) => r.offset >= below || (r.key !== null && latestBelow.get(r.key) === r.offset && !this.expired.has(r.offset)));
  }

  /** Whether some retained tombstone's delete horizon has come, which makes a pass due on its own. */
  isTombstoneDue(nowMs: number): boolean {
    return this.expected().some((r) => {
      const first = this.firstCleanedAt.get(r.offset);
      return r.value === null && first !== undefined && nowMs >= first + this.deleteRetentionMs;
    });
  }

  /** A pass at `nowMs` that cleaned everything below `cleanedUpTo`. */
  clean(nowMs: number, cleanedUpTo: number): void {
    this.cleanedUpTo = cleanedUpTo;
    for (const r of this.expected()) {
      if (r.offset >= cleanedUpTo || r.value !== null) continue;
      const first = this.firstCleanedAt.get(r.offset);
      if (first === undefined) this.firstCleanedAt.set(r.offset, nowMs);
      else if (nowMs >= first + this.deleteRetentionMs) this.expired.add(r.offset);
    }
  }

  /** Each key's latest appended value (null for a tombstone). */
  latestByKey(): Map<string, string | null> {
    const latest = new Map<string, string | null>();
    for (const r of this.records) if (r.key !== null) latest.set(r.key, r.value);
    return latest;
  }

  /** Whether the latest record of `key` was a tombstone that has since been removed. */
  isDeletedForGood(key: string): boolean {
    let last: KeyedRecord | undefined;
    for (const r of this.records) if (r.key === key) last = r;
    return last !== undefined && this.expired.has(last.offset);
  }
}
