/**
 * LogCleaner: log compaction for logs whose cleanup.policy includes `compact`, after Kafka's
 * LogCleaner.
 *
 * A log splits at its cleaner checkpoint into a clean head (already compacted) and a dirty tail.
 * A log is cleaned when its dirty ratio (dirty bytes / (clean + dirty bytes), counting only
 * cleanable segments) reaches min.cleanable.dirty.ratio, when its oldest dirty batch is older than
 * max.compaction.lag.ms, or when a retained tombstone's delete horizon (KIP-534) has come.
 * Cleanable segments stop at the active segment, at the first segment reaching past the high
 * watermark (truncation never reaches below it) and at the first dirty segment holding a record
 * younger than min.compaction.lag.ms (KIP-58). The last stable offset will bound this too once
 * transactions are tracked.
 *
 * A pass (1) maps each key of the dirty segments to its latest offset (OffsetMap; capped at
 * `maxMapEntries` keys, the rest waits for the next pass), then (2) rewrites every segment from
 * the start of the log to the end of the mapped range, grouping adjacent segments up to
 * segment.bytes into one, keeping per batch what compactBatch keeps, and (3) swaps each cleaned
 * group in crash-safely (CleanedSegment). Work happens in chunks with awaits between them, so
 * appends and reads go on throughout; the swap itself is one synchronous step.
 *
 * `cleaner-offset-checkpoint` in each log directory (CleanerCheckpoints) keeps the clean/dirty
 * boundary across restarts.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { RecordBatchCursor, RecordBatchHeader, RECORD_BATCH_OVERHEAD, decodeRecordBatch } from '../protocol/record-batch/index.js';
import { BATCH_DROPPED, BATCH_REWRITTEN, type CompactionRules, NO_DELETE_HORIZON, compactBatch, encodeEmptyBatch } from './batch-compactor.js';
import { CleanedSegment } from './cleaned-segment.js';
import { CleanerCheckpoints } from './cleaner-checkpoints.js';
import { CLEANUP_COMPACT, type LogConfig } from './log-config.js';
import type { StorageLogger } from './log-manager.js';
import { LogSegment, storageError } from './log-segment.js';
import { OffsetMap } from './offset-map.js';
import type { PartitionLog, PartitionLogContext } from './partition-log.js';

export { CLEANER_OFFSET_CHECKPOINT } from './cleaner-checkpoints.js';

const LONG_MAX = Number.MAX_SAFE_INTEGER;
const MAX_RELATIVE_OFFSET = 0x7fffffff;

export interface LogCleanerOptions {
  /** Distinct keys one pass may map (Kafka sizes this by log.cleaner.dedupe.buffer.size). */
  readonly maxMapEntries?: number;
  /** Bytes read from a segment per step. */
  readonly readChunkBytes?: number;
}

/** What the cleaner needs from the LogManager that owns it. */
export interface CleanerHost {
  logs(): Iterable<PartitionLog>;
  /** Whether `log` is still the manager's log for its partition (not deleted meanwhile). */
  isOpen(log: PartitionLog): boolean;
  readonly context: PartitionLogContext;
  readonly logger: StorageLogger;
  /** Removes `paths` (old segments renamed `.deleted`) at `dueMs`. */
  scheduleDeletion(paths: readonly string[], dueMs: number): void;
}

/** One log's cleaning pass. */
export interface LogCleaningResult {
  readonly topic: string;
  readonly partition: number;
  readonly firstDirtyOffset: number;
  /** The new cleaner checkpoint (offsets below it are clean), or the old one if not completed. */
  readonly cleanedUpToOffset: number;
  readonly dirtyRatio: number;
  readonly segmentsReplaced: number;
  /** False when the log changed under the pass (retention, truncation) or the cleaner stopped. */
  readonly completed: boolean;
}

/** A log's clean/dirty split as a pass would see it (Kafka's LogToClean). */
interface LogToClean {
  readonly log: PartitionLog;
  /** Snapshot of the log's segments; the last is the active one. */
  readonly segments: readonly LogSegment[];
  readonly firstDirtyOffset: number;
  readonly firstDirtyIndex: number;
  /** Index of the first segment the pass must not touch. */
  readonly uncleanableIndex: number;
  readonly dirtyRatio: number;
  readonly isPastMaxLag: boolean;
}

const GROUP_SWAPPED = 0;
/** Nothing in the group changed, so its segments stay. */
const GROUP_UNCHANGED = 1;
/** The log changed under the pass, or the cleaner is stopping: the pass ends here. */
const GROUP_ABANDONED = 2;

interface GroupOutcome {
  readonly status: typeof GROUP_SWAPPED | typeof GROUP_UNCHANGED | typeof GROUP_ABANDONED;
  /** Earliest horizon of the tombstones the group still holds. */
  readonly deleteHorizonMs: number;
}

const ABANDONED: GroupOutcome = { status: GROUP_ABANDONED, deleteHorizonMs: NO_DELETE_HORIZON };

class CleaningAborted extends Error {}

export class LogCleaner {
  /** Test hook: called after each file operation of a swap, with the partition directory. */
  onSwapStep: ((step: string, dir: string) => void) | null = null;
  private readonly maxMapEntries: number;
  private readonly readChunkBytes: number;
  private readonly checkpoints: CleanerCheckpoints;
  /** Earliest delete horizon of the tombstones each log holds; absent means unknown (after a restart). */
  private readonly deleteHorizons = new WeakMap<PartitionLog, number>();
  private readonly firstBatchTimestamps = new WeakMap<LogSegment, number>();
  /** Logs a pass failed on; Kafka marks them uncleanable too, until the broker restarts. */
  private readonly uncleanable = new WeakSet<PartitionLog>();
  private readonly cursor = new RecordBatchCursor();
  private running: Promise<LogCleaningResult[]> | null = null;
  private isStopping = false;

  constructor(private readonly host: CleanerHost, options: LogCleanerOptions = {}) {
    this.maxMapEntries = options.maxMapEntries ?? 500_000;
    this.readChunkBytes = options.readChunkBytes ?? 1024 * 1024;
    this.checkpoints = new CleanerCheckpoints(host.logger);
  }

  /** Cleans every log that needs it; a call during a pass returns that pass. */
  run(now: number): Promise<LogCleaningResult[]> {
    if (this.isStopping) return Promise.resolve([]);
    this.running ??= this.cleanLogs(now).finally(() => {
      this.running = null;
      this.cursor.clear();
    });
    return this.running;
  }

  /** Stops at the next chunk boundary (an unfinished group's files are removed) and waits. */
  async shutdown(): Promise<void> {
    this.isStopping = true;
    await this.running;
  }

  /** The log's cleaner checkpoint: where its dirty section starts. */
  firstDirtyOffset(log: PartitionLog): number {
    const checkpoint = this.checkpoints.offsetOf(log);
    if (checkpoint === undefined || checkpoint < log.logStartOffset || checkpoint > log.activeSegment.baseOffset) return log.logStartOffset;
    return checkpoint;
  }

  private async cleanLogs(now: number): Promise<LogCleaningResult[]> {
    const candidates: LogToClean[] = [];
    for (const log of [...this.host.logs()]) {
      if (this.isStopping) break;
      if ((log.config.cleanupPolicy & CLEANUP_COMPACT) === 0 || log.offline || this.uncleanable.has(log)) continue;
      try {
        const candidate = await this.evaluate(log, now);
        if (candidate) candidates.push(candidate);
      } catch (err) {
        this.giveUp(log, err);
      }
    }
    // Logs past max.compaction.lag.ms first, then the dirtiest.
    candidates.sort((a, b) => Number(b.isPastMaxLag) - Number(a.isPastMaxLag) || b.dirtyRatio - a.dirtyRatio);
    const results: LogCleaningResult[] = [];
    for (const candidate of candidates) {
      if (this.isStopping) break;
      try {
        results.push(await this.clean(candidate, now));
      } catch (err) {
        this.giveUp(candidate.log, err);
      }
    }
    return results;
  }

  /** The log's split if it should be cleaned now, else null. */
  private async evaluate(log: PartitionLog, now: number): Promise<LogToClean | null> {
    const config = log.config;
    const segments = log.segments.slice();
    const activeIndex = segments.length - 1;
    const firstDirtyOffset = this.firstDirtyOffset(log);
    let firstDirtyIndex = 0;
    while (firstDirtyIndex < activeIndex && segments[firstDirtyIndex + 1]!.baseOffset <= firstDirtyOffset) firstDirtyIndex++;
    let uncleanableIndex = firstDirtyIndex;
    while (uncleanableIndex < activeIndex && this.isCleanable(segments, uncleanableIndex, log, config, now)) uncleanableIndex++;
    let cleanBytes = 0;
    let dirtyBytes = 0;
    for (let i = 0; i < uncleanableIndex; i++) {
      if (i < firstDirtyIndex) cleanBytes += segments[i]!.size;
      else dirtyBytes += segments[i]!.size;
    }
    const dirtyRatio = dirtyBytes === 0 ? 0 : dirtyBytes / (cleanBytes + dirtyBytes);
    let isPastMaxLag = false;
    if (dirtyBytes > 0 && config.maxCompactionLagMs < LONG_MAX) {
      const earliest = await this.earliestDirtyTimestamp(segments.slice(firstDirtyIndex, uncleanableIndex));
      isPastMaxLag = earliest >= 0 && now - earliest > config.maxCompactionLagMs;
    }
    const isHorizonDue = (await this.nextDeleteHorizon(log, segments)) <= now;
    const isDirtyEnough = dirtyBytes > 0 && (dirtyRatio >= config.minCleanableDirtyRatio || isPastMaxLag);
    if (!isDirtyEnough && !isHorizonDue) return null;
    return { log, segments, firstDirtyOffset, firstDirtyIndex, uncleanableIndex, dirtyRatio, isPastMaxLag };
  }

  /** Whether dirty segment `i` (not the active one) may be cleaned now. */
  private isCleanable(segments: readonly LogSegment[], i: number, log: PartitionLog, config: LogConfig, now: number): boolean {
    if (segments[i + 1]!.baseOffset > log.highWatermark) return false;
    return config.minCompactionLagMs <= 0 || segments[i]!.largestTimestamp <= now - config.minCompactionLagMs;
  }

  /** Smallest first-batch timestamp of the dirty segments (Kafka uses each segment's first batch). */
  private async earliestDirtyTimestamp(dirty: readonly LogSegment[]): Promise<number> {
    let earliest = -1;
    for (const segment of dirty) {
      let timestamp = this.firstBatchTimestamps.get(segment);
      if (timestamp === undefined) {
        const first = await segment.read(segment.baseOffset, 1, LONG_MAX, true);
        timestamp = first && first.records.length >= RECORD_BATCH_OVERHEAD ? new RecordBatchHeader(first.records).maxTimestamp : -1;
        this.firstBatchTimestamps.set(segment, timestamp);
      }
      if (timestamp >= 0 && (earliest < 0 || timestamp < earliest)) earliest = timestamp;
    }
    return earliest;
  }

  /**
   * When the log's earliest retained tombstone falls due. Known after each pass; after a restart
   * a log that was cleaned before is scanned once, headers only (only batches holding tombstones
   * carry the horizon bit).
   */
  private async nextDeleteHorizon(log: PartitionLog, segments: readonly LogSegment[]): Promise<number> {
    const known = this.deleteHorizons.get(log);
    if (known !== undefined) return known;
    let horizon = NO_DELETE_HORIZON;
    if (this.checkpoints.offsetOf(log) !== undefined) {
      for (const segment of segments.slice(0, -1)) {
        for await (const chunk of this.chunksOf(segment)) {
          const cursor = this.cursor.reset(chunk);
          while (cursor.next()) {
            const header = cursor.header;
            if (header.hasDeleteHorizonMs && !header.isControl) horizon = Math.min(horizon, header.baseTimestamp);
          }
        }
      }
    }
    this.deleteHorizons.set(log, horizon);
    return horizon;
  }

  private async clean(candidate: LogToClean, now: number): Promise<LogCleaningResult> {
    const { log, segments, firstDirtyIndex } = candidate;
    const map = new OffsetMap(this.maxMapEntries);
    const lastBatchOfProducer = new Map<number, number>();
    const rules: CompactionRules = { map, nowMs: now, deleteRetentionMs: log.config.deleteRetentionMs, lastBatchOfProducer };
    let endIndex = firstDirtyIndex;
    let completed = true;
    while (endIndex < candidate.uncleanableIndex && (endIndex === firstDirtyIndex || !map.isFull)) {
      await this.mapSegment(segments[endIndex]!, map, lastBatchOfProducer);
      endIndex++;
      await yieldToEventLoop();
      if (this.isStopping) {
        completed = false;
        break;
      }
    }
    const cleanedUpTo = Math.max(segments[endIndex]!.baseOffset, candidate.firstDirtyOffset);
    let horizon = NO_DELETE_HORIZON;
    let segmentsReplaced = 0;
    for (const group of completed ? groupSegments(segments.slice(0, endIndex), log.config) : []) {
      const outcome = await this.cleanGroup(log, group, rules);
      if (outcome.status === GROUP_ABANDONED) {
        completed = false;
        break;
      }
      if (outcome.status === GROUP_SWAPPED) segmentsReplaced += group.length;
      horizon = Math.min(horizon, outcome.deleteHorizonMs);
    }
    if (completed) {
      this.deleteHorizons.set(log, horizon);
      this.checkpoints.update(log, cleanedUpTo, this.host.logs());
      this.host.logger.info({ partition: log.name, firstDirtyOffset: candidate.firstDirtyOffset, cleanedUpTo, dirtyRatio: candidate.dirtyRatio, segmentsReplaced }, 'compacted log');
    } else {
      this.deleteHorizons.delete(log);
    }
    return {
      topic: log.topic, partition: log.partition, firstDirtyOffset: candidate.firstDirtyOffset,
      cleanedUpToOffset: completed ? cleanedUpTo : candidate.firstDirtyOffset, dirtyRatio: candidate.dirtyRatio, segmentsReplaced, completed,
    };
  }

  /** Adds every keyed record of a dirty segment to the map; transactional data stays out of it. */
  private async mapSegment(segment: LogSegment, map: OffsetMap, producers: Map<number, number>): Promise<void> {
    for await (const chunk of this.chunksOf(segment)) {
      const cursor = this.cursor.reset(chunk);
      while (cursor.next()) {
        const header = cursor.header;
        if (header.producerId >= 0) producers.set(header.producerId, header.baseOffset);
        if (header.isControl || header.isTransactional) continue;
        for (const record of decodeRecordBatch(chunk, header.offset, { verifyCrc: false }).records) {
          if (record.key !== null) map.put(record.key, record.offset);
        }
      }
    }
  }

  /** Rewrites one group into a CleanedSegment and swaps it in; a group nothing changed in stays as it is. */
  private async cleanGroup(log: PartitionLog, group: readonly LogSegment[], rules: CompactionRules): Promise<GroupOutcome> {
    const sizes = group.map((s) => s.size);
    const cleaned = await CleanedSegment.create(log.dir, group[0]!.baseOffset, log.config);
    let horizon = NO_DELETE_HORIZON;
    try {
      let isChanged = false;
      // The group's last batch always stays (emptied if need be) so the cleaned segment spans the same offsets.
      let lastDropped: Buffer | null = null;
      for (const segment of group) {
        for await (const chunk of this.chunksOf(segment)) {
          if (this.isStopping) throw new CleaningAborted();
          const cursor = this.cursor.reset(chunk);
          while (cursor.next()) {
            const result = compactBatch(cursor.header, rules);
            if (result.outcome === BATCH_DROPPED) {
              lastDropped = Buffer.from(chunk.subarray(cursor.header.offset, cursor.header.offset + RECORD_BATCH_OVERHEAD));
              isChanged = true;
              continue;
            }
            cleaned.append(result.bytes!);
            lastDropped = null;
            if (result.outcome === BATCH_REWRITTEN) isChanged = true;
            horizon = Math.min(horizon, result.deleteHorizonMs);
          }
          await cleaned.drain();
        }
        await yieldToEventLoop();
      }
      if (lastDropped) cleaned.append(encodeEmptyBatch(new RecordBatchHeader(lastDropped)));
      if (!isChanged) {
        await cleaned.discard();
        return { status: GROUP_UNCHANGED, deleteHorizonMs: horizon };
      }
      await cleaned.finish();
      this.onSwapStep?.('written', log.dir);
    } catch (err) {
      await cleaned.discard();
      if (err instanceof CleaningAborted) return ABANDONED;
      throw err;
    }
    if (!this.isInPlace(log, group, sizes)) {
      await cleaned.discard();
      return ABANDONED;
    }
    this.swapIn(log, group, cleaned, rules.nowMs);
    return { status: GROUP_SWAPPED, deleteHorizonMs: horizon };
  }

  /** Whether the group still stands in the log as read: same segments, same sizes, none active. */
  private isInPlace(log: PartitionLog, group: readonly LogSegment[], sizes: readonly number[]): boolean {
    if (log.offline || !this.host.isOpen(log)) return false;
    const at = log.segments.indexOf(group[0]!);
    if (at < 0 || at + group.length >= log.segments.length) return false;
    return group.every((segment, i) => log.segments[at + i] === segment && segment.size === sizes[i]);
  }

  /**
   * One synchronous step: promote, move the old files aside, install, replace in the log. A
   * failure once old files have moved leaves the directory to start-up recovery, so the log
   * directory goes offline.
   */
  private swapIn(log: PartitionLog, group: readonly LogSegment[], cleaned: CleanedSegment, now: number): void {
    const onStep = this.onSwapStep ? (step: string) => this.onSwapStep?.(step, log.dir) : null;
    try {
      cleaned.promote(onStep);
    } catch (err) {
      void cleaned.discard();
      throw err;
    }
    try {
      const deleted: string[] = [];
      for (const segment of group) {
        deleted.push(...segment.markDeleted());
        onStep?.('old-deleted');
      }
      cleaned.install(onStep);
      log.replaceSegments(group, LogSegment.open(log.dir, cleaned.baseOffset, log.config, this.host.context.handles));
      this.host.scheduleDeletion(deleted, now + log.config.fileDeleteDelayMs);
    } catch (err) {
      const failure = storageError(`swapping cleaned segment ${cleaned.baseOffset} into ${log.name}`, err);
      log.offline = true;
      this.host.context.onStorageError(log.dir, failure);
      throw failure;
    }
  }

  /** A segment's batches, a chunk of whole batches at a time. */
  private async *chunksOf(segment: LogSegment): AsyncGenerator<Buffer> {
    let offset = segment.baseOffset;
    while (true) {
      const result = await segment.read(offset, this.readChunkBytes, LONG_MAX, true);
      if (result === null || result.records.length === 0) return;
      yield result.records;
      offset = result.nextOffset;
    }
  }

  private giveUp(log: PartitionLog, err: unknown): void {
    this.uncleanable.add(log);
    this.deleteHorizons.delete(log);
    this.host.logger.warn({ partition: log.name, err: err instanceof Error ? err.message : String(err) }, 'log compaction failed; the log stays uncompacted until the broker restarts');
  }
}

/** Adjacent segments, grouped while their bytes fit segment.bytes and their offsets an int32 index. */
function groupSegments(segments: readonly LogSegment[], config: LogConfig): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let current: LogSegment[] = [];
  let bytes = 0;
  for (const segment of segments) {
    const first = current[0];
    if (first && (bytes + segment.size > config.segmentBytes || segment.lastOffset - first.baseOffset > MAX_RELATIVE_OFFSET)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(segment);
    bytes += segment.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
