/**
 * The reference model the storage model test checks a PartitionLog against: the batches appended
 * since the log was last emptied (kept even below logStartOffset, since retention and DeleteRecords
 * only hide them until their segment goes), and the offsets that bound what is visible.
 *
 * It answers what a read, a truncation, DeleteRecords or a ListOffsets lookup must return, in
 * Kafka's terms, without knowing anything about files. Where the answer depends on where segments
 * begin (retention), the caller passes the segments' base offsets and the model says which of
 * them must go.
 */
import { encodeRecordBatch } from '../../src/protocol/record-batch/index.js';

export interface ModelRecord {
  readonly offset: number;
  readonly value: string;
  readonly timestamp: number;
}

export interface ModelBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly sizeInBytes: number;
  readonly records: readonly ModelRecord[];
}

/** One batch of an append: how many records, how long each value, which codec, how skewed its timestamps. */
export interface BatchShape {
  readonly records: number;
  readonly valueBytes: number;
  readonly compression: 0 | 1 | 2 | 3 | 4;
  readonly skewMs: number;
}

/** What the log persisted at its last checkpoint (a clean shutdown or `LogManager.checkpoint`). */
export interface Persisted {
  readonly logStartOffset: number;
  readonly highWatermark: number;
}

/**
 * Encodes the batches of one append; values are unique (`<append>.<batch>.<record>:xxx`). With
 * `replicated`, the batches carry their offsets (from `baseOffset` on, back to back) and epoch,
 * as a leader's batches reach a follower.
 */
export function encodeAppend(
  appendId: number, shapes: readonly BatchShape[], nowMs: number, replicated?: { baseOffset: number; epoch: number },
): { buffers: Buffer[]; values: string[][]; timestamps: number[][] } {
  const buffers: Buffer[] = [];
  const values: string[][] = [];
  const timestamps: number[][] = [];
  let nextOffset = replicated?.baseOffset ?? 0;
  shapes.forEach((shape, j) => {
    const vs = Array.from({ length: shape.records }, (_, i) => `${appendId}.${j}.${i}:${'x'.repeat(shape.valueBytes)}`);
    const ts = vs.map((_, i) => nowMs + shape.skewMs + i);
    buffers.push(encodeRecordBatch({
      records: vs.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: ts[i]! })),
      compression: shape.compression,
      ...(replicated ? { baseOffset: nextOffset, partitionLeaderEpoch: replicated.epoch } : {}),
    }));
    nextOffset += shape.records;
    values.push(vs);
    timestamps.push(ts);
  });
  return { buffers, values, timestamps };
}

export class StorageModel {
  batches: ModelBatch[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  highWatermark = 0;
  /** The leader epoch appends are stamped with; it only grows, as a leader's does. */
  epoch = 0;
  persisted: Persisted | null = null;
  /**
   * Offsets below this may have come back after a crash (logStartOffset is checkpointed lazily,
   * as Kafka's is), while the leader epoch cache had already forgotten their epochs.
   */
  epochsUnknownBelow = 0;

  get visibleBatches(): ModelBatch[] {
    return this.batches.filter((b) => b.lastOffset >= this.logStartOffset);
  }

  /** Appends batches from `firstOffset` on (past logEndOffset only for replicated batches after a gap). */
  append(buffers: readonly Buffer[], values: readonly string[][], timestamps: readonly number[][], firstOffset = this.logEndOffset): { firstOffset: number; lastOffset: number } {
    this.logEndOffset = firstOffset;
    buffers.forEach((buf, j) => {
      const base = this.logEndOffset;
      const records = values[j]!.map((value, i) => ({ offset: base + i, value, timestamp: timestamps[j]![i]! }));
      this.batches.push({ baseOffset: base, lastOffset: base + records.length - 1, epoch: this.epoch, sizeInBytes: buf.length, records });
      this.logEndOffset = base + records.length;
    });
    return { firstOffset, lastOffset: this.logEndOffset - 1 };
  }

  /**
   * Whole batches go: the new end is where the kept records end (`offset`, the base of a batch
   * straddling it, or less after a gap). A log cut at or below its start, or whose kept records
   * all lie below its start, is left empty at its start.
   */
  truncateTo(offset: number): void {
    if (offset >= this.logEndOffset) return;
    if (offset <= this.logStartOffset) {
      this.emptyAt(offset);
      return;
    }
    const cut = this.batches.findIndex((b) => b.lastOffset >= offset);
    const newEnd = cut > 0 ? this.batches[cut - 1]!.lastOffset + 1 : -1;
    if (newEnd < this.logStartOffset) {
      this.emptyAt(this.logStartOffset);
      return;
    }
    this.batches = this.batches.slice(0, cut);
    this.logEndOffset = newEnd;
    this.highWatermark = Math.min(this.highWatermark, newEnd);
  }

  private emptyAt(offset: number): void {
    this.batches = [];
    this.logStartOffset = offset;
    this.logEndOffset = offset;
    this.highWatermark = Math.min(this.highWatermark, offset);
    this.epochsUnknownBelow = 0;
  }

  updateHighWatermark(offset: number): void {
    this.highWatermark = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
  }

  /** DeleteRecords: true if allowed (offset at most the high watermark). */
  deleteRecordsBefore(offset: number): boolean {
    if (offset > this.highWatermark) return false;
    this.logStartOffset = Math.max(this.logStartOffset, offset);
    return true;
  }

  /**
   * The batches a read from `fetchOffset` may return, in order: from the one holding the offset,
   * none starting at or past `min(maxOffset, logEndOffset)`. A read returns a non-empty prefix of
   * these, within `maxBytes` unless it is one batch and `minOneBatch` is set; nothing once the
   * fetch offset reaches the bound.
   */
  readable(fetchOffset: number, maxOffset: number): ModelBatch[] {
    const limit = Math.min(maxOffset, this.logEndOffset);
    if (fetchOffset >= limit) return [];
    return this.batches.filter((b) => b.lastOffset >= fetchOffset && b.baseOffset < limit);
  }

  /** ListOffsets by timestamp: the first visible record with a timestamp at or after `timestamp`. */
  offsetForTimestamp(timestamp: number): { timestamp: number; offset: number; leaderEpoch: number } | null {
    for (const b of this.visibleBatches) {
      for (const r of b.records) {
        if (r.offset >= this.logStartOffset && r.timestamp >= timestamp) return { timestamp: r.timestamp, offset: r.offset, leaderEpoch: b.epoch };
      }
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP: the first visible record holding the largest timestamp. */
  offsetOfMaxTimestamp(): { timestamp: number; offset: number; leaderEpoch: number } | null {
    let best: { timestamp: number; offset: number; leaderEpoch: number } | null = null;
    for (const b of this.visibleBatches) {
      for (const r of b.records) {
        if (r.offset >= this.logStartOffset && (best === null || r.timestamp > best.timestamp)) best = { timestamp: r.timestamp, offset: r.offset, leaderEpoch: b.epoch };
      }
    }
    return best;
  }

  /** Records physically in [from, to): what a segment spanning those offsets holds. */
  recordsIn(from: number, to: number): ModelRecord[] {
    return this.batches.flatMap((b) => b.records).filter((r) => r.offset >= from && r.offset < to);
  }

  bytesIn(from: number, to: number): number {
    return this.batches.filter((b) => b.baseOffset >= from && b.baseOffset < to).reduce((sum, b) => sum + b.sizeInBytes, 0);
  }

  /**
   * Retention as Kafka runs it, given the segments' base offsets: from the oldest, delete whole
   * non-active segments that lie wholly below the high watermark and whose newest record is older
   * than `retentionMs`; then while the log exceeds `retentionBytes`; then any wholly below the
   * log start offset. Returns the new log start offset.
   */
  retain(segmentBases: readonly number[], nowMs: number, retentionMs: number, retentionBytes: number): number {
    let first = 0;
    const upper = (k: number): number => (k + 1 < segmentBases.length ? segmentBases[k + 1]! : this.logEndOffset);
    const deletable = (k: number): boolean => k < segmentBases.length - 1 && upper(k) <= this.highWatermark;
    const newest = (k: number): number => Math.max(...this.recordsIn(segmentBases[k]!, upper(k)).map((r) => r.timestamp));
    if (retentionMs >= 0) {
      while (deletable(first) && nowMs - newest(first) > retentionMs) first++;
    }
    if (retentionBytes >= 0) {
      let excess = this.bytesIn(segmentBases[0]!, Number.MAX_SAFE_INTEGER) - retentionBytes;
      for (let k = 0; k < first; k++) excess -= this.bytesIn(segmentBases[k]!, upper(k));
      while (deletable(first) && excess - this.bytesIn(segmentBases[first]!, upper(first)) >= 0) {
        excess -= this.bytesIn(segmentBases[first]!, upper(first));
        first++;
      }
    }
    const start = Math.max(this.logStartOffset, segmentBases[first]!);
    while (first < segmentBases.length - 1 && segmentBases[first + 1]! <= start) first++;
    this.logStartOffset = Math.max(this.logStartOffset, segmentBases[first]!);
    this.highWatermark = Math.max(this.highWatermark, this.logStartOffset);
    return this.logStartOffset;
  }
}
