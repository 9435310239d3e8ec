/**
 * PartitionLog: one partition's log, a directory of LogSegments ordered by base offset, with the
 * offsets that bound it (logStartOffset, logEndOffset, highWatermark, recoveryPoint) and its
 * LeaderEpochCache.
 *
 * Appends validate each batch's framing and CRC from its header alone, assign offsets by
 * rewriting base offset and leader epoch in place (outside the CRC's span), and write the bytes as
 * they came. Records are decoded only to answer ListOffsets by timestamp. Only the last
 * ("active") segment takes appends; retention deletes whole segments from the front.
 *
 * Time comes from an injected clock so tests can move it.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { ProtocolError } from '../protocol/primitives/index.js';
import {
  RecordBatchCursor, type RecordBatchHeader, TIMESTAMP_TYPE_LOG_APPEND_TIME, decodeRecordBatch,
} from '../protocol/record-batch/index.js';
import { CLEANUP_DELETE, type LogConfig } from './log-config.js';
import type { FileHandleCache } from './file-handle-cache.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { LogSegment } from './log-segment.js';
import { FRESH_READ_BUFFERS, type ReadBufferSource } from './read-buffer-source.js';

/** Batches from a producer: offsets are assigned here. */
export const APPEND_FROM_CLIENT = 0;
/** Batches copied from a leader: offsets and epochs are kept. */
export const APPEND_FROM_REPLICATION = 1;

export interface LogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly offsetOfMaxTimestamp: number;
  /** The append time stamped into the batches under LogAppendTime, else -1. */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
  readonly batchCount: number;
  readonly bytes: number;
}

export interface FetchDataInfo {
  /** Whole batches, as stored; empty when nothing is readable within the limits. */
  readonly records: Buffer;
  readonly firstOffset: number;
  readonly nextOffset: number;
}

export interface TimestampAndOffset {
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number;
}

/** Observes what producer-state tracking needs (idempotence, transactions); set by the broker. */
export interface ProducerStateHook {
  /** A batch now stands in the log at its final offsets (an append, or recovery re-reading it). */
  onBatch(header: RecordBatchHeader): void;
  /** A segment starting at `baseOffset` was rolled: state up to it may be snapshotted. */
  onRoll(baseOffset: number): void;
  /** The log was truncated to end at `logEndOffset`. */
  onTruncate(logEndOffset: number): void;
}

export interface PartitionLogContext {
  readonly handles: FileHandleCache;
  readonly clock: () => number;
  /** Called when the log's directory fails (a write or fsync error): the directory goes offline. */
  readonly onStorageError: (dir: string, error: KafkaError) => void;
}

const NO_OFFSET = -1;

export class PartitionLog {
  segments: LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  recoveryPoint: number;
  config: LogConfig;
  readonly leaderEpochCache: LeaderEpochCache;
  producerStateHook: ProducerStateHook | null = null;
  /** Set when the directory failed: every operation answers KAFKA_STORAGE_ERROR. */
  offline = false;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  /** Counts truncations, so a flush that awaited across one knows what it fsynced is gone. */
  private truncations = 0;
  private readonly cursor = new RecordBatchCursor();

  constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    readonly topicId: string,
    config: LogConfig,
    segments: LogSegment[],
    logStartOffset: number,
    recoveryPoint: number,
    leaderEpochCache: LeaderEpochCache,
    private readonly context: PartitionLogContext,
  ) {
    if (segments.length === 0) throw new Error('a partition log needs at least one segment');
    this.config = config;
    this.segments = segments;
    const active = segments[segments.length - 1]!;
    this.logEndOffset = active.lastOffset >= active.baseOffset ? active.lastOffset + 1 : active.baseOffset;
    this.logStartOffset = Math.min(Math.max(logStartOffset, segments[0]!.baseOffset), this.logEndOffset);
    this.recoveryPoint = Math.min(recoveryPoint, this.logEndOffset);
    this.highWatermark = this.logEndOffset;
    this.leaderEpochCache = leaderEpochCache;
    this.lastFlushMs = context.clock();
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get sizeInBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  private ensureOnline(): void {
    if (this.offline) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `the log directory of ${this.name} is offline`);
  }

  private failed(err: unknown): never {
    if (err instanceof KafkaError && err.code === ErrorCode.KAFKA_STORAGE_ERROR) {
      this.offline = true;
      this.context.onStorageError(this.dir, err);
    }
    throw err;
  }

  /**
   * Appends the batches in `records`. From a client, offsets are assigned from logEndOffset and
   * each batch is stamped with `leaderEpoch`; from replication they must continue the log.
   */
  append(records: Buffer, leaderEpoch: number, origin = APPEND_FROM_CLIENT): LogAppendInfo {
    try {
      return this.appendBatches(records, leaderEpoch, origin);
    } finally {
      // The reusable cursor must not keep the request's bytes alive until the next append.
      this.cursor.clear();
    }
  }

  private appendBatches(records: Buffer, leaderEpoch: number, origin: number): LogAppendInfo {
    this.ensureOnline();
    const now = this.context.clock();
    const stampTime = origin === APPEND_FROM_CLIENT && this.config.messageTimestampType === TIMESTAMP_TYPE_LOG_APPEND_TIME;
    const cursor = this.cursor.reset(records);
    let nextOffset = this.logEndOffset;
    let firstOffset = NO_OFFSET;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = NO_OFFSET;
    let batchCount = 0;
    let messageCount = 0;
    try {
      while (cursor.next()) {
        const header = cursor.header;
        header.validate();
        if (header.sizeInBytes > this.config.maxMessageBytes) {
          throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `a batch of ${header.sizeInBytes} bytes exceeds max.message.bytes ${this.config.maxMessageBytes} of ${this.name}`);
        }
        if (origin === APPEND_FROM_CLIENT) {
          if (header.isControl) throw new KafkaError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
          if (header.recordCount < 1 || header.lastOffsetDelta !== header.recordCount - 1) {
            throw new KafkaError(ErrorCode.INVALID_RECORD, `batch has ${header.recordCount} records but last offset delta ${header.lastOffsetDelta}`);
          }
          header.setBaseOffset(nextOffset);
          header.setPartitionLeaderEpoch(leaderEpoch);
          if (stampTime) header.setMaxTimestamp(TIMESTAMP_TYPE_LOG_APPEND_TIME, now);
        } else if (header.baseOffset < nextOffset) {
          throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `replicated batch at offset ${header.baseOffset} does not continue ${this.name} at ${nextOffset}`);
        }
        if (firstOffset === NO_OFFSET) firstOffset = header.baseOffset;
        if (header.maxTimestamp > maxTimestamp) {
          maxTimestamp = header.maxTimestamp;
          offsetOfMaxTimestamp = header.lastOffset;
        }
        nextOffset = header.lastOffset + 1;
        batchCount++;
        messageCount += header.recordCount;
      }
      if (cursor.hasPartialBatch) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${records.length - cursor.position} trailing bytes are not a whole batch`);
    } catch (err) {
      if (err instanceof ProtocolError) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, err.message);
      throw err;
    }
    if (batchCount === 0) {
      return { firstOffset: NO_OFFSET, lastOffset: NO_OFFSET, maxTimestamp: -1, offsetOfMaxTimestamp: NO_OFFSET, logAppendTime: -1, logStartOffset: this.logStartOffset, batchCount: 0, bytes: 0 };
    }
    if (records.length > this.config.segmentBytes) {
      throw new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes exceed segment.bytes ${this.config.segmentBytes} of ${this.name}`);
    }
    const lastOffset = nextOffset - 1;
    try {
      const segment = this.maybeRoll(records.length, lastOffset, now);
      segment.append(records, lastOffset, maxTimestamp, offsetOfMaxTimestamp);
    } catch (err) {
      this.failed(err);
    }
    this.logEndOffset = nextOffset;
    try {
      this.afterAppend(records, origin === APPEND_FROM_CLIENT ? leaderEpoch : -1, firstOffset);
    } catch (err) {
      // The bytes are in the log but the leader-epoch-checkpoint could not be written.
      this.failed(err);
    }
    this.unflushedMessages += messageCount;
    if (this.unflushedMessages >= this.config.flushMessages) void this.flushQuietly();
    return {
      firstOffset, lastOffset, maxTimestamp, offsetOfMaxTimestamp,
      logAppendTime: stampTime ? now : -1, logStartOffset: this.logStartOffset, batchCount, bytes: records.length,
    };
  }

  /** Leader epochs and producer state learn of the batches now in the log. */
  private afterAppend(records: Buffer, clientEpoch: number, firstOffset: number): void {
    if (clientEpoch >= 0) this.leaderEpochCache.assign(clientEpoch, firstOffset);
    const hook = this.producerStateHook;
    if (clientEpoch >= 0 && !hook) return;
    const cursor = this.cursor.reset(records);
    while (cursor.next()) {
      if (clientEpoch < 0) this.leaderEpochCache.assign(cursor.header.partitionLeaderEpoch, cursor.header.baseOffset);
      hook?.onBatch(cursor.header);
    }
  }

  /** The segment the next append goes to, rolling a new one when Kafka would. */
  private maybeRoll(bytes: number, lastOffset: number, now: number): LogSegment {
    const active = this.activeSegment;
    if (active.isEmpty) return active;
    const full = active.size + bytes > this.config.segmentBytes;
    const old = now - active.createdMs > this.config.segmentMs - this.config.segmentJitterMs;
    const offsetOverflow = lastOffset - active.baseOffset > 0x7fffffff;
    if (!full && !old && !offsetOverflow && !active.isIndexFull) return active;
    return this.roll(now);
  }

  /** Starts a new active segment at logEndOffset; the old one is flushed in the background. */
  roll(now = this.context.clock()): LogSegment {
    this.ensureOnline();
    const previous = this.activeSegment;
    if (previous.isEmpty && previous.baseOffset === this.logEndOffset) return previous;
    try {
      previous.onBecomeInactive();
      const segment = LogSegment.create(this.dir, this.logEndOffset, this.config, this.context.handles, now);
      this.segments.push(segment);
      this.producerStateHook?.onRoll(segment.baseOffset);
      void this.flushQuietly(segment.baseOffset);
      return segment;
    } catch (err) {
      return this.failed(err);
    }
  }

  /**
   * Reads whole batches from `fetchOffset`: at most `maxBytes` (but at least one batch when
   * `minOneBatch`), none at or past `maxOffset` (the high watermark for consumers).
   */
  async read(
    fetchOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean, buffers: ReadBufferSource = FRESH_READ_BUFFERS,
  ): Promise<FetchDataInfo> {
    this.ensureOnline();
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} is outside ${this.name}'s range [${this.logStartOffset}, ${this.logEndOffset}]`);
    }
    const limit = Math.min(maxOffset, this.logEndOffset);
    const empty: FetchDataInfo = { records: Buffer.alloc(0), firstOffset: fetchOffset, nextOffset: fetchOffset };
    if (fetchOffset >= limit) return empty;
    const segments = this.segments;
    try {
      for (let i = this.segmentIndexFor(fetchOffset); i < segments.length; i++) {
        const result = await segments[i]!.read(fetchOffset, maxBytes, limit, minOneBatch, buffers);
        if (result !== null) return result;
      }
    } catch (err) {
      this.failed(err);
    }
    return empty;
  }

  /**
   * Visits, synchronously and without CRC checks, the header of every batch from the one holding
   * `fromOffset` to the log end, in order (producer state rebuilds from it at start-up).
   */
  visitBatches(fromOffset: number, visit: (header: RecordBatchHeader) => void): void {
    this.ensureOnline();
    const segments = this.segments;
    for (let i = this.segmentIndexFor(fromOffset); i < segments.length; i++) segments[i]!.visitBatchesFrom(fromOffset, visit);
  }

  /** Index of the last segment whose base offset is <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * ListOffsets by timestamp: the first record at or after logStartOffset whose timestamp is
   * >= `timestamp`, or null when there is none (Kafka then answers offset -1).
   */
  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    this.ensureOnline();
    for (const segment of this.segments.slice(this.segmentIndexFor(this.logStartOffset))) {
      if (segment.isEmpty || segment.largestTimestamp < timestamp) continue;
      let batchBase = -1;
      segment.findBatchByTimestamp(timestamp, this.logStartOffset, (header) => {
        if (header.maxTimestamp >= timestamp && header.lastOffset >= this.logStartOffset) {
          batchBase = header.baseOffset;
          return false;
        }
        return true;
      });
      if (batchBase < 0) continue;
      const found = await this.firstRecordAtOrAfter(Math.max(batchBase, this.logStartOffset), (t) => t >= timestamp);
      if (found) return found;
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP (KIP-734): the record with the largest timestamp (the first such). */
  async offsetOfMaxTimestamp(): Promise<TimestampAndOffset | null> {
    this.ensureOnline();
    let best: LogSegment | null = null;
    let max = -1;
    for (const segment of this.segments) {
      if (segment.isEmpty || segment.lastOffset < this.logStartOffset) continue;
      const largest = await this.largestVisibleTimestamp(segment);
      if (best === null || largest > max) {
        best = segment;
        max = largest;
      }
    }
    if (best === null || best.maxTimestampSoFar < 0) return best === null ? null : this.offsetForTimestamp(best.largestTimestamp);
    return this.firstRecordAtOrAfter(Math.max(best.baseOffset, this.logStartOffset), (t) => t === max);
  }

  /**
   * A segment's largest timestamp among its records at or after logStartOffset. Only the segment
   * holding logStartOffset can also hold records below it (DeleteRecords), and its largest
   * timestamp may be theirs, which no visible record matches: for it the batch headers from
   * logStartOffset on are read, and the one batch straddling logStartOffset is decoded.
   */
  private async largestVisibleTimestamp(segment: LogSegment): Promise<number> {
    const start = this.logStartOffset;
    if (segment.baseOffset >= start) return segment.largestTimestamp;
    let largest = -1;
    let straddles = false;
    segment.findBatchByTimestamp(Number.MIN_SAFE_INTEGER, start, (header) => {
      if (header.baseOffset >= start) largest = Math.max(largest, header.maxTimestamp);
      else if (header.lastOffset >= start) straddles = true;
      return true;
    });
    if (straddles) {
      const data = await this.read(start, 1, this.logEndOffset, true);
      for (const record of decodeRecordBatch(data.records, 0, { verifyCrc: false }).records) {
        if (record.offset >= start) largest = Math.max(largest, record.timestamp);
      }
    }
    return largest;
  }

  private async firstRecordAtOrAfter(offset: number, matches: (timestamp: number) => boolean): Promise<TimestampAndOffset | null> {
    let from = offset;
    while (from < this.logEndOffset) {
      const data = await this.read(from, 1, this.logEndOffset, true);
      if (data.records.length === 0) return null;
      const batch = decodeRecordBatch(data.records, 0, { verifyCrc: false });
      for (const record of batch.records) {
        if (record.offset >= offset && matches(record.timestamp)) {
          return { timestamp: record.timestamp, offset: record.offset, leaderEpoch: batch.partitionLeaderEpoch };
        }
      }
      from = data.nextOffset;
    }
    return null;
  }

  /**
   * Truncates the log so it ends before `offset` (replication after a leader change). Whole
   * batches go: the new logEndOffset is where the kept records end (`offset`, or the base of a
   * batch that straddled it), but never below logStartOffset.
   */
  truncateTo(offset: number): void {
    this.ensureOnline();
    if (offset >= this.logEndOffset) return;
    if (offset <= this.logStartOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    try {
      while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
        this.segments.pop()!.deleteNow();
      }
      const active = this.activeSegment;
      active.truncateTo(offset);
      // The end a restart would find: after the last kept record, or the empty segment's base.
      // `offset` itself could lie in a gap compaction left (replicated from a compacted leader),
      // and a logEndOffset there would not survive a restart.
      const newEnd = active.lastOffset >= active.baseOffset ? active.lastOffset + 1 : active.baseOffset;
      if (newEnd < this.logStartOffset) {
        // The cut batch began below logStartOffset (DeleteRecords inside it): nothing visible is
        // left, and logEndOffset must not fall below logStartOffset, so start over empty there.
        this.truncateFullyAndStartAt(this.logStartOffset);
        return;
      }
      this.afterTruncate(newEnd);
    } catch (err) {
      this.failed(err);
    }
  }

  /** Drops every segment and starts an empty log at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.ensureOnline();
    try {
      for (const segment of this.segments) segment.deleteNow();
      this.segments = [LogSegment.create(this.dir, offset, this.config, this.context.handles, this.context.clock())];
      this.logStartOffset = offset;
      this.leaderEpochCache.clear();
      this.afterTruncate(offset);
    } catch (err) {
      this.failed(err);
    }
  }

  private afterTruncate(newEnd: number): void {
    this.truncations++;
    this.logEndOffset = newEnd;
    this.highWatermark = Math.min(this.highWatermark, newEnd);
    this.recoveryPoint = Math.min(this.recoveryPoint, newEnd);
    this.leaderEpochCache.truncateFromEnd(newEnd);
    this.producerStateHook?.onTruncate(newEnd);
  }

  /**
   * DeleteRecords: moves logStartOffset forward to `offset` (at most the high watermark). Returns
   * the new logStartOffset. The segments wholly below it go at the next retention pass, which
   * deletes their files too (Kafka's `deleteLogStartOffsetBreachedSegments`).
   */
  deleteRecordsBefore(offset: number): number {
    this.ensureOnline();
    if (offset > this.highWatermark) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `cannot delete records of ${this.name} before ${offset}: above the high watermark ${this.highWatermark}`);
    }
    if (offset > this.logStartOffset) {
      this.logStartOffset = offset;
      try {
        this.leaderEpochCache.truncateFromStart(offset);
      } catch (err) {
        this.failed(err);
      }
    }
    return this.logStartOffset;
  }

  /**
   * Retention: deletes the oldest non-active segments whose records are all older than
   * `retention.ms`, then while the log exceeds `retention.bytes`, and any wholly below the log
   * start offset. Returns the segments removed (their files are renamed `.deleted` by the caller's
   * `markDeleted`). Cheap when nothing expires: it looks only at the oldest segment.
   */
  deleteRetainedSegments(now = this.context.clock()): LogSegment[] {
    this.ensureOnline();
    const removed: LogSegment[] = [];
    const deletePolicy = (this.config.cleanupPolicy & CLEANUP_DELETE) !== 0;
    if (deletePolicy && this.config.retentionMs >= 0) {
      removed.push(...this.deleteSegmentsFromFront((segment) => now - segment.largestTimestamp > this.config.retentionMs));
    }
    if (deletePolicy && this.config.retentionBytes >= 0) {
      let excess = this.sizeInBytes - this.config.retentionBytes;
      removed.push(...this.deleteSegmentsFromFront((segment) => {
        if (excess - segment.size < 0) return false;
        excess -= segment.size;
        return true;
      }));
    }
    removed.push(...this.deleteSegmentsFromFront((_segment, next) => next !== undefined && next.baseOffset <= this.logStartOffset));
    return removed;
  }

  /**
   * Removes segments from the front while `shouldDelete` says so; never the active segment, and
   * never one holding offsets at or past the high watermark, so logStartOffset cannot pass it and
   * records not yet replicated are never deleted (Kafka's `deletableSegments` has the same bound).
   */
  private deleteSegmentsFromFront(shouldDelete: (segment: LogSegment, next: LogSegment | undefined) => boolean): LogSegment[] {
    const removed: LogSegment[] = [];
    while (this.segments.length > 1) {
      const segment = this.segments[0]!;
      if (this.segments[1]!.baseOffset > this.highWatermark || !shouldDelete(segment, this.segments[1])) break;
      this.segments.shift();
      removed.push(segment);
    }
    if (removed.length > 0) {
      const newStart = this.segments[0]!.baseOffset;
      if (newStart > this.logStartOffset) {
        this.logStartOffset = newStart;
        try {
          this.leaderEpochCache.truncateFromStart(newStart);
        } catch (err) {
          this.failed(err);
        }
      }
      this.highWatermark = Math.max(this.highWatermark, this.logStartOffset);
    }
    return removed;
  }

  /**
   * Log compaction: `replacement` takes the place of `replaced`, contiguous non-active segments,
   * in one synchronous step. The array is replaced, not changed, so a read already walking the old
   * one finishes on the old segments (their files stay until file.delete.delay.ms).
   */
  replaceSegments(replaced: readonly LogSegment[], replacement: LogSegment): void {
    const at = this.segments.indexOf(replaced[0]!);
    if (at < 0 || at + replaced.length >= this.segments.length || replaced.some((s, i) => this.segments[at + i] !== s)) {
      throw new Error(`the segments to replace are not contiguous non-active segments of ${this.name}`);
    }
    this.segments = [...this.segments.slice(0, at), replacement, ...this.segments.slice(at + replaced.length)];
  }

  /** Advances the high watermark (replication); it never passes logEndOffset. */
  updateHighWatermark(offset: number): void {
    this.highWatermark = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
  }

  /** Whether `flush.ms` has passed since the last flush with messages unflushed. */
  shouldFlushByTime(now: number): boolean {
    return this.unflushedMessages > 0 && now - this.lastFlushMs >= this.config.flushMs;
  }

  /**
   * fsyncs every segment from the recovery point up to `upTo` (default: everything) and moves the
   * recovery point there, so a restart after an OS crash re-scans only what follows.
   */
  async flush(upTo = this.logEndOffset): Promise<void> {
    this.ensureOnline();
    if (upTo <= this.recoveryPoint) return;
    const target = Math.min(upTo, this.logEndOffset);
    const truncations = this.truncations;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.context.clock();
    try {
      // A copy: retention may shift the array while a segment's fsync is awaited.
      for (const segment of [...this.segments]) {
        if (segment.baseOffset >= target) break;
        const at = this.segments.indexOf(segment);
        // Deleted meanwhile (truncation, retention): its file is gone and must not be reopened.
        if (at < 0) continue;
        const next = this.segments[at + 1];
        if (next && next.baseOffset <= this.recoveryPoint) continue;
        await segment.flush();
      }
    } catch (err) {
      this.failed(err);
    }
    // A truncation while this flush awaited may have put unflushed records below `target`; the
    // recovery point must then stay where the truncation left it.
    if (this.truncations === truncations) this.recoveryPoint = Math.max(this.recoveryPoint, target);
  }

  private async flushQuietly(upTo?: number): Promise<void> {
    try {
      await this.flush(upTo);
    } catch {
      // failed() already took the directory offline and reported it.
    }
  }

  /** Clean shutdown: indexes written; the caller flushes first. */
  close(): void {
    for (const segment of this.segments) {
      if (segment === this.activeSegment) segment.writeIndexes();
      segment.close();
    }
  }
}
