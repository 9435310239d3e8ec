/**
 * LogSegment: one `.log` file of a partition, its OffsetIndex and its TimeIndex.
 *
 * The `.log` holds record batches exactly as appended (base offset and leader epoch already
 * assigned, every CRC-covered byte as the producer sent it), back to back. Files are named by the
 * segment's base offset, zero-padded to 20 digits, as Kafka names them.
 *
 * Invariants: `size` counts only bytes fully written, so a read never sees a half-written tail;
 * batches' offsets strictly ascend; the indexes describe only bytes below `size`. Appends are
 * synchronous writes (they reach the OS page cache before the append returns, so a process kill
 * loses nothing acknowledged); reads are asynchronous, one read per fetch in the common case.
 */
import { ftruncateSync, fdatasync, fstatSync, read as readCallback, readSync, renameSync, rmSync, existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { ProtocolError } from '../protocol/primitives/index.js';
import {
  BATCH_LENGTH_POSITION, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatchCursor, type RecordBatchHeader,
} from '../protocol/record-batch/index.js';
import type { FileHandleCache } from './file-handle-cache.js';
import { OffsetIndex } from './offset-index.js';
import { FRESH_READ_BUFFERS, type ReadBufferSource } from './read-buffer-source.js';
import { TimeIndex } from './time-index.js';

const readAsync = promisify(readCallback);
const fdatasyncAsync = promisify(fdatasync);
/** Chunk size for start-up scans of a segment. */
const SCAN_CHUNK_BYTES = 8 * 1024 * 1024;
/** Extra bytes read past `maxBytes` so the scan from the index entry to the wanted batch rarely needs a second read. */
const READ_SLACK_BYTES = 16 * 1024;

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export interface SegmentSettings {
  readonly indexIntervalBytes: number;
  readonly segmentIndexBytes: number;
}

/** What a read of one segment returns: whole batches, and the offsets they span. */
export interface SegmentReadResult {
  readonly records: Buffer;
  /** Base offset of the first batch returned. */
  readonly firstOffset: number;
  /** One past the last offset of the last batch returned. */
  readonly nextOffset: number;
}

/** Called for each valid batch a recovery scan keeps (producer state, leader epochs rebuild from it). */
export type BatchVisitor = (header: RecordBatchHeader) => void;

export function storageError(what: string, err: unknown): KafkaError {
  const reason = err instanceof Error ? err.message : String(err);
  return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${what}: ${reason}`);
}

export class LogSegment {
  /** The paths change once, when markDeleted renames the files, so reads in flight still find them. */
  logPath: string;
  indexPath: string;
  timeIndexPath: string;
  size: number;
  private lastOffsetKnown: number;
  private maxTimestampKnown = -1;
  private offsetOfMaxTimestampKnown: number;
  /** False for a segment opened after a clean shutdown until its tail is first needed. */
  private tailLoaded = true;
  /** Set once its files are deleted or renamed `.deleted`: its indexes are never written again. */
  private isDeleted = false;
  /** Milliseconds at which the segment was created here; `segment.ms` rolls count from it. */
  readonly createdMs: number;
  private offsetIndexLoaded: OffsetIndex | null = null;
  private timeIndexLoaded: TimeIndex | null = null;
  private bytesSinceLastIndexEntry = 0;
  private readonly cursor = new RecordBatchCursor();
  /** For FileHandleCache.acquireAsync, which reads the path when its wait ends. */
  private readonly currentLogPath = (): string => this.logPath;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly settings: SegmentSettings,
    private readonly handles: FileHandleCache,
    size: number,
    createdMs: number,
  ) {
    this.logPath = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.size = size;
    this.lastOffsetKnown = baseOffset - 1;
    this.offsetOfMaxTimestampKnown = baseOffset;
    this.createdMs = createdMs;
  }

  /** Offset of the segment's last record, or baseOffset - 1 while it is empty. */
  get lastOffset(): number {
    if (!this.tailLoaded) this.loadTail();
    return this.lastOffsetKnown;
  }

  get maxTimestampSoFar(): number {
    if (!this.tailLoaded) this.loadTail();
    return this.maxTimestampKnown;
  }

  get offsetOfMaxTimestampSoFar(): number {
    if (!this.tailLoaded) this.loadTail();
    return this.offsetOfMaxTimestampKnown;
  }

  /** A new, empty segment (its files are created now). */
  static create(dir: string, baseOffset: number, settings: SegmentSettings, handles: FileHandleCache, nowMs: number): LogSegment {
    const segment = new LogSegment(dir, baseOffset, settings, handles, 0, nowMs);
    segment.offsetIndexLoaded = new OffsetIndex(baseOffset, settings.segmentIndexBytes);
    segment.timeIndexLoaded = new TimeIndex(baseOffset, settings.segmentIndexBytes);
    try {
      const fd = handles.acquire(segment.logPath, true);
      try {
        ftruncateSync(fd, 0);
      } finally {
        handles.release(segment.logPath);
      }
      segment.writeIndexes();
    } catch (err) {
      throw storageError(`cannot create segment ${segment.logPath}`, err);
    }
    return segment;
  }

  /** An existing segment; its size is the file's, its indexes load when first needed. */
  static open(dir: string, baseOffset: number, settings: SegmentSettings, handles: FileHandleCache): LogSegment {
    const path = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    const fd = handles.acquire(path);
    try {
      const stat = fstatSync(fd);
      const segment = new LogSegment(dir, baseOffset, settings, handles, stat.size, stat.mtimeMs);
      segment.tailLoaded = stat.size === 0;
      return segment;
    } finally {
      handles.release(path);
    }
  }

  get offsetIndex(): OffsetIndex {
    if (!this.offsetIndexLoaded) {
      const index = new OffsetIndex(this.baseOffset, this.settings.segmentIndexBytes);
      const present = existsSync(this.indexPath);
      if (present) index.loadFrom(this.indexPath);
      // Index files are written with the segment, so a segment with data and no index lost it.
      if ((!present && this.size > 0) || !index.isSane(this.size)) {
        this.rebuildIndexes();
        return this.offsetIndexLoaded!;
      }
      this.offsetIndexLoaded = index;
    }
    return this.offsetIndexLoaded;
  }

  get timeIndex(): TimeIndex {
    if (!this.timeIndexLoaded) {
      // Loading the offset index first may rebuild both.
      const offsetEntries = this.offsetIndex.entryCount;
      if (this.timeIndexLoaded) return this.timeIndexLoaded;
      const index = new TimeIndex(this.baseOffset, this.settings.segmentIndexBytes);
      const present = existsSync(this.timeIndexPath);
      if (present) index.loadFrom(this.timeIndexPath);
      // Every offset index entry is added with a time index entry, so a time index missing or
      // empty beside them was lost, and the segment's largest timestamp (retention, ListOffsets)
      // would come from its tail alone.
      if ((!present && this.size > 0) || (index.entryCount === 0 && offsetEntries > 0) || !index.isSane()) {
        this.rebuildIndexes();
        return this.timeIndexLoaded!;
      }
      this.timeIndexLoaded = index;
    }
    return this.timeIndexLoaded;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** Whether the next append must go to a new segment. */
  get isIndexFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /** Largest record timestamp in the segment, for time-based retention (the file's mtime if none). */
  get largestTimestamp(): number {
    const fromIndex = Math.max(this.maxTimestampSoFar, this.timeIndex.lastEntry.timestamp);
    return fromIndex >= 0 ? fromIndex : this.createdMs;
  }

  /**
   * Appends whole batches (already validated, offsets assigned) ending at `lastOffset`.
   * Throws KAFKA_STORAGE_ERROR if the write fails; then nothing of it counts as written.
   */
  append(records: Buffer, lastOffset: number, maxTimestamp: number, offsetOfMaxTimestamp: number): void {
    const position = this.size;
    const fd = this.handles.acquire(this.logPath);
    try {
      let written = 0;
      while (written < records.length) {
        written += writeSync(fd, records, written, records.length - written, position + written);
      }
    } catch (err) {
      try {
        ftruncateSync(fd, position);
      } catch {
        // The device refuses even that; recovery truncates the torn tail at the next start.
      }
      throw storageError(`write to ${this.logPath} failed`, err);
    } finally {
      this.handles.release(this.logPath);
    }
    this.size = position + records.length;
    this.lastOffsetKnown = lastOffset;
    if (maxTimestamp > this.maxTimestampKnown) {
      this.maxTimestampKnown = maxTimestamp;
      this.offsetOfMaxTimestampKnown = offsetOfMaxTimestamp;
    }
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampKnown, this.offsetOfMaxTimestampKnown);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += records.length;
  }

  private async readAt(position: number, length: number, buffers: ReadBufferSource = FRESH_READ_BUFFERS): Promise<Buffer> {
    const buf = buffers.allocate(length);
    const fd = this.handles.isFullyHeld ? await this.handles.acquireAsync(this.currentLogPath) : this.handles.acquire(this.logPath);
    const path = this.logPath;
    try {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await readAsync(fd, buf, done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } catch (err) {
      throw storageError(`read of ${path} failed`, err);
    } finally {
      this.handles.release(path, fd);
    }
  }

  /**
   * Whole batches from the first one holding an offset >= `startOffset`, up to `maxBytes`
   * (at least one batch when `minOneBatch`, however large), stopping before any batch whose base
   * offset reaches `maxOffset`. Null when the segment holds nothing at or after `startOffset`;
   * empty `records` when something is there but the limits let nothing through.
   */
  async read(
    startOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean, buffers: ReadBufferSource = FRESH_READ_BUFFERS,
  ): Promise<SegmentReadResult | null> {
    try {
      return await this.readBatches(startOffset, maxBytes, maxOffset, minOneBatch, buffers);
    } finally {
      // The reusable cursor must not keep the last read buffer alive while the segment sits idle.
      this.cursor.clear();
    }
  }

  private async readBatches(
    startOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean, buffers: ReadBufferSource,
  ): Promise<SegmentReadResult | null> {
    const size = this.size;
    const entry = this.offsetIndex.lookup(startOffset);
    let position = entry.position;
    if (entry.position > 0 && entry.offset < startOffset) {
      // A real entry (none sits at position 0) says the batches appended at its position end at
      // entry.offset, before the wanted offset: step over the first of them by its length prefix
      // rather than reading (and discarding) it, which for large batches doubles a fetch's I/O.
      const prefix = await this.readAt(position, LOG_OVERHEAD);
      if (prefix.length === LOG_OVERHEAD) {
        const next = position + LOG_OVERHEAD + prefix.readInt32BE(BATCH_LENGTH_POSITION);
        if (next > position && next <= size) position = next;
      }
    }
    let length = Math.min(size - position, maxBytes + READ_SLACK_BYTES);
    while (position < size) {
      const buf = await this.readAt(position, length, buffers);
      const cursor = this.cursor.reset(buf);
      while (cursor.next()) {
        if (cursor.header.lastOffset >= startOffset) {
          return this.collect(buf, position, cursor.header.offset, startOffset, maxBytes, maxOffset, minOneBatch, buffers);
        }
      }
      if (cursor.position === 0) {
        // A single batch larger than what was read, or nothing at all.
        const needed = Math.min(size - position, this.partialBatchSize(buf));
        if (!cursor.hasPartialBatch || needed <= buf.length) return null;
        length = needed;
        continue;
      }
      position += cursor.position;
      length = Math.min(size - position, maxBytes + READ_SLACK_BYTES);
    }
    return null;
  }

  private partialBatchSize(buf: Buffer): number {
    if (buf.length < LOG_OVERHEAD) return RECORD_BATCH_OVERHEAD;
    return buf.readInt32BE(BATCH_LENGTH_POSITION) + LOG_OVERHEAD;
  }

  /** From the batch at `start` of `buf` (read from file position `bufPosition`), takes whole batches within the limits. */
  private async collect(
    buf: Buffer, bufPosition: number, start: number, startOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean,
    buffers: ReadBufferSource,
  ): Promise<SegmentReadResult> {
    const empty = { records: buf.subarray(0, 0), firstOffset: startOffset, nextOffset: startOffset };
    const cursor = this.cursor.reset(buf, start);
    let end = start;
    let firstOffset = -1;
    let nextOffset = -1;
    let sawFirst = false;
    while (cursor.next()) {
      sawFirst = true;
      const header = cursor.header;
      if (header.baseOffset >= maxOffset) break;
      if (cursor.position - start > maxBytes && (firstOffset >= 0 || !minOneBatch)) break;
      if (firstOffset < 0) firstOffset = header.baseOffset;
      nextOffset = header.lastOffset + 1;
      end = cursor.position;
    }
    if (firstOffset >= 0) return { records: buf.subarray(start, end), firstOffset, nextOffset };
    if (sawFirst) return empty;
    // The first batch is not wholly in `buf`: read exactly it.
    const size = this.partialBatchSize(buf.subarray(start));
    if (size > maxBytes && !minOneBatch) return empty;
    const whole = await this.readAt(bufPosition + start, size, buffers);
    const wholeCursor = this.cursor.reset(whole);
    if (!wholeCursor.next()) throw storageError(`read of ${this.logPath}`, new Error(`batch at ${bufPosition + start} is truncated`));
    const header = wholeCursor.header;
    if (header.baseOffset >= maxOffset) return empty;
    return { records: whole.subarray(0, wholeCursor.position), firstOffset: header.baseOffset, nextOffset: header.lastOffset + 1 };
  }

  /**
   * Synchronous scan of batch headers from `position` to the end, without CRC checks: for the
   * short tail after the last index entry (finding the last offset at start-up, truncation).
   * Stops at the first batch the visitor rejects (returns false); returns where it stopped.
   */
  private scanHeaders(position: number, visit: (header: RecordBatchHeader, position: number) => boolean): number {
    const fd = this.handles.acquire(this.logPath);
    try {
      let chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(RECORD_BATCH_OVERHEAD, this.size - position)));
      while (position < this.size) {
        const want = Math.min(chunk.length, this.size - position);
        const got = readSync(fd, chunk, 0, want, position);
        const cursor = this.cursor.reset(chunk, 0, got);
        let stepped = false;
        while (cursor.next()) {
          stepped = true;
          if (!visit(cursor.header, position + cursor.header.offset)) return position + cursor.header.offset;
        }
        if (!stepped) {
          if (got < LOG_OVERHEAD) return position;
          const needed = chunk.readInt32BE(BATCH_LENGTH_POSITION) + LOG_OVERHEAD;
          if (position + needed > this.size) return position;
          chunk = Buffer.allocUnsafe(needed);
          continue;
        }
        position += cursor.position;
      }
      return position;
    } finally {
      this.handles.release(this.logPath);
      this.cursor.clear();
    }
  }

  /**
   * After a clean start: finds the last offset and the tail's max timestamp from the last index
   * entry. Returns false when the bytes from there on are not whole, well-framed batches (damage
   * after the shutdown), which the clean-shutdown marker cannot vouch for.
   */
  loadTail(): boolean {
    this.tailLoaded = true;
    const entry = this.offsetIndex.lookup(Number.MAX_SAFE_INTEGER);
    const last = this.timeIndex.lastEntry;
    if (last.timestamp > this.maxTimestampKnown) {
      this.maxTimestampKnown = last.timestamp;
      this.offsetOfMaxTimestampKnown = last.offset;
    }
    let end: number;
    try {
      end = this.scanHeaders(entry.position, (header) => {
        this.lastOffsetKnown = header.lastOffset;
        if (header.maxTimestamp > this.maxTimestampKnown) {
          this.maxTimestampKnown = header.maxTimestamp;
          this.offsetOfMaxTimestampKnown = header.lastOffset;
        }
        return true;
      });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      end = -1;
    }
    this.bytesSinceLastIndexEntry = this.size - entry.position;
    // Time index entries name offsets of records in the segment; one past its last record means
    // a damaged file, whose timestamps would mislead retention and ListOffsets.
    if (end === this.size && this.timeIndex.entryCount > 0 && last.offset > this.lastOffsetKnown) this.rebuildIndexes();
    return end === this.size;
  }

  /**
   * Crash recovery: re-reads the whole segment, verifying each batch's framing, CRC and that
   * offsets ascend within [baseOffset, nextSegmentBase); rebuilds both indexes; truncates the file
   * at the first invalid byte. Returns the number of bytes truncated.
   */
  recover(nextSegmentBase: number, visit?: BatchVisitor): number {
    const offsetIndex = new OffsetIndex(this.baseOffset, this.settings.segmentIndexBytes);
    const timeIndex = new TimeIndex(this.baseOffset, this.settings.segmentIndexBytes);
    this.offsetIndexLoaded = offsetIndex;
    this.timeIndexLoaded = timeIndex;
    this.tailLoaded = true;
    this.maxTimestampKnown = -1;
    this.offsetOfMaxTimestampKnown = this.baseOffset;
    this.lastOffsetKnown = this.baseOffset - 1;
    let lastIndexedPosition = 0;
    let validBytes: number;
    try {
      validBytes = this.scanHeaders(0, (header, position) => {
        try {
          header.validate();
        } catch (err) {
          if (err instanceof ProtocolError) return false;
          throw err;
        }
        const base = header.baseOffset;
        if (base <= this.lastOffsetKnown || base < this.baseOffset || header.lastOffsetDelta < 0) return false;
        if (header.lastOffset >= nextSegmentBase || header.lastOffset - this.baseOffset > 0x7fffffff) return false;
        if (position - lastIndexedPosition > this.settings.indexIntervalBytes) {
          offsetIndex.append(header.lastOffset, position);
          timeIndex.maybeAppend(this.maxTimestampKnown, this.offsetOfMaxTimestampKnown);
          lastIndexedPosition = position;
        }
        if (header.maxTimestamp > this.maxTimestampKnown) {
          this.maxTimestampKnown = header.maxTimestamp;
          this.offsetOfMaxTimestampKnown = header.lastOffset;
        }
        this.lastOffsetKnown = header.lastOffset;
        visit?.(header);
        return true;
      });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // A batch whose framing is impossible: the cursor stopped at it.
      validBytes = this.validPrefixAfterFramingError();
    }
    const truncated = this.size - validBytes;
    if (truncated > 0) this.truncateFile(validBytes);
    this.bytesSinceLastIndexEntry = this.size - lastIndexedPosition;
    return truncated;
  }

  /** After a framing error, the end of the last batch recovery accepted. */
  private validPrefixAfterFramingError(): number {
    if (this.lastOffset < this.baseOffset) return 0;
    let end = 0;
    const lastOffset = this.lastOffset;
    try {
      this.scanHeaders(0, (header, position) => {
        if (header.lastOffset > lastOffset) return false;
        end = position + header.sizeInBytes;
        return true;
      });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
    }
    return end;
  }

  /** A loaded index failed its sanity check: rebuild both from the segment's batches. */
  private rebuildIndexes(): void {
    this.recover(Number.MAX_SAFE_INTEGER);
  }

  private truncateFile(size: number): void {
    const fd = this.handles.acquire(this.logPath);
    try {
      ftruncateSync(fd, size);
    } catch (err) {
      throw storageError(`cannot truncate ${this.logPath}`, err);
    } finally {
      this.handles.release(this.logPath);
    }
    this.size = size;
  }

  /**
   * Removes every batch whose last offset is >= `offset`. Returns the base offset of the first
   * batch removed (the new end of this segment), or null if nothing was removed.
   */
  truncateTo(offset: number): number | null {
    const start = this.offsetIndex.lookup(offset).position;
    let cut = -1;
    let cutBase = -1;
    this.scanHeaders(start, (header, position) => {
      if (header.lastOffset >= offset) {
        cut = position;
        cutBase = header.baseOffset;
        return false;
      }
      return true;
    });
    if (cut < 0) return null;
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.truncateFile(cut);
    this.maxTimestampKnown = -1;
    this.offsetOfMaxTimestampKnown = this.baseOffset;
    this.lastOffsetKnown = this.baseOffset - 1;
    this.loadTail();
    return cutBase;
  }

  /** Position and header fields of the first batch with a record timestamp possibly >= target. */
  findBatchByTimestamp(targetTimestamp: number, startingOffset: number, visit: (header: RecordBatchHeader) => boolean): void {
    const entry = this.timeIndex.lookup(targetTimestamp - 1);
    const from = Math.max(entry.offset, startingOffset);
    const position = this.offsetIndex.lookup(from).position;
    this.scanHeaders(position, (header) => visit(header));
  }

  /**
   * Synchronous walk of the batch headers from the one holding `offset` to the segment's end,
   * without CRC checks (producer state rebuilds from it; recovery has checked the bytes).
   */
  visitBatchesFrom(offset: number, visit: BatchVisitor): void {
    this.scanHeaders(this.offsetIndex.lookup(offset).position, (header) => {
      if (header.lastOffset >= offset) visit(header);
      return true;
    });
  }

  /** Writes both indexes to their files (flush, roll and close call this). */
  writeIndexes(): void {
    // A flush that awaited its fsync across the deletion would otherwise recreate the index files,
    // over those of a new segment with the same base offset (a log truncated to empty restarts there).
    if (this.isDeleted) return;
    try {
      this.offsetIndex.writeTo(this.indexPath);
      this.timeIndex.writeTo(this.timeIndexPath);
    } catch (err) {
      throw storageError(`cannot write the indexes of ${this.logPath}`, err);
    }
  }

  /** The segment stops taking appends: a final time index entry makes retention exact. */
  onBecomeInactive(): void {
    this.timeIndex.maybeAppend(this.maxTimestampKnown, this.offsetOfMaxTimestampKnown, true);
    this.writeIndexes();
  }

  async flush(): Promise<void> {
    const fd = this.handles.isFullyHeld ? await this.handles.acquireAsync(this.currentLogPath) : this.handles.acquire(this.logPath);
    const path = this.logPath;
    try {
      await fdatasyncAsync(fd);
    } catch (err) {
      throw storageError(`fsync of ${path} failed`, err);
    } finally {
      this.handles.release(path, fd);
    }
    this.writeIndexes();
  }

  /**
   * Renames the files to `.deleted` (they are removed later, after file.delete.delay.ms) and
   * follows them, so a read in flight finishes on this segment's bytes even when a compacted
   * segment takes the old name meanwhile.
   */
  markDeleted(): string[] {
    this.isDeleted = true;
    this.handles.forget(this.logPath);
    const renamed: string[] = [];
    for (const path of [this.logPath, this.indexPath, this.timeIndexPath]) {
      if (!existsSync(path)) continue;
      renameSync(path, path + DELETED_SUFFIX);
      renamed.push(path + DELETED_SUFFIX);
    }
    this.logPath += DELETED_SUFFIX;
    this.indexPath += DELETED_SUFFIX;
    this.timeIndexPath += DELETED_SUFFIX;
    // A descriptor cached for an earlier file of the same `.deleted` name must not serve this one.
    this.handles.forget(this.logPath);
    return renamed;
  }

  deleteNow(): void {
    this.isDeleted = true;
    this.handles.forget(this.logPath);
    for (const path of [this.logPath, this.indexPath, this.timeIndexPath]) rmSync(path, { force: true });
  }

  close(): void {
    this.handles.forget(this.logPath);
  }
}
