/**
 * CleanedSegment: the files a compaction pass writes to replace a group of segments, and the
 * crash-safe way they take those segments' place (Kafka's replaceSegments protocol).
 *
 * Stages, for a group whose first segment starts at base offset B:
 *   1. written:   B.log.cleaned, B.index.cleaned, B.timeindex.cleaned, each fsynced.
 *   2. promoted:  each renamed to `.swap` (indexes first, the log last), directory fsynced. A
 *                 `B.log.swap` therefore means the cleaned segment is complete.
 *   3. installed: in one synchronous step the old segments' files become `.deleted` (removed
 *                 after file.delete.delay.ms, so reads in flight finish on them), the `.swap`
 *                 files take their final names (indexes first, the log last) and the new
 *                 segment replaces the old ones in the log.
 *
 * At start-up `recoverInterruptedSwaps` finishes or rolls back what a crash interrupted: any
 * `.cleaned` file means promotion did not finish, so `.cleaned` files are deleted and so are
 * `.swap` files at or above the lowest such base offset; every remaining `B.log.swap` is
 * complete, so it is installed, replacing the old segments whose base offsets fall within its
 * offsets. The cleaner keeps the last batch of every group (emptied if need be), so a cleaned
 * segment spans exactly the offsets of the segments it replaced.
 */
import { existsSync, readdirSync, renameSync, rmSync, openSync, closeSync, fsyncSync, fstatSync, readSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatchCursor, RecordBatchHeader, BATCH_LENGTH_POSITION, LOG_OVERHEAD } from '../protocol/record-batch/index.js';
import { fsyncDirectory } from './checkpoint-file.js';
import { INDEX_SUFFIX, LOG_SUFFIX, type SegmentSettings, TIME_INDEX_SUFFIX, segmentFileName } from './log-segment.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
/** Rename order for promotion and installation: the log last, since its name marks completion. */
const SUFFIXES = [TIME_INDEX_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX] as const;
const WRITE_CHUNK_BYTES = 1024 * 1024;
const SCAN_CHUNK_BYTES = 8 * 1024 * 1024;
const SWAP_NAME = /^(\d{20})\.(log|index|timeindex)\.(swap|cleaned)$/;

/** Called after each file operation of a swap; crash tests copy the directory there. */
export type SwapStepObserver = (step: string) => void;

export class CleanedSegment {
  private readonly offsetIndex: OffsetIndex;
  private readonly timeIndex: TimeIndex;
  private readonly header = new RecordBatchHeader();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestamp = -1;
  private offsetOfMaxTimestamp: number;
  private file: FileHandle | null;

  private constructor(readonly dir: string, readonly baseOffset: number, private readonly settings: SegmentSettings, file: FileHandle) {
    this.offsetIndex = new OffsetIndex(baseOffset, settings.segmentIndexBytes);
    this.timeIndex = new TimeIndex(baseOffset, settings.segmentIndexBytes);
    this.offsetOfMaxTimestamp = baseOffset;
    this.file = file;
  }

  /** Starts `<base>.log.cleaned`, replacing any leftover of an earlier attempt. */
  static async create(dir: string, baseOffset: number, settings: SegmentSettings): Promise<CleanedSegment> {
    const file = await open(join(dir, segmentFileName(baseOffset, LOG_SUFFIX + CLEANED_SUFFIX)), 'w', 0o644);
    return new CleanedSegment(dir, baseOffset, settings, file);
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  private path(suffix: string, stage: string): string {
    return join(this.dir, segmentFileName(this.baseOffset, suffix + stage));
  }

  /** Adds one whole batch; indexes follow `index.interval.bytes` as appends do. */
  append(batch: Buffer): void {
    const header = this.header.reset(batch, 0);
    const position = this.size;
    if (header.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = header.maxTimestamp;
      this.offsetOfMaxTimestamp = header.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      this.offsetIndex.append(header.lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.length;
    this.pending.push(batch);
    this.pendingBytes += batch.length;
  }

  /** Writes buffered batches once enough have gathered. */
  async drain(force = false): Promise<void> {
    if (this.pendingBytes === 0 || (!force && this.pendingBytes < WRITE_CHUNK_BYTES)) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.file!.write(bytes, done, bytes.length - done, this.written + done);
      done += bytesWritten;
    }
    this.written += bytes.length;
  }

  /** Stage 1 complete: the log and both indexes are on disk, fsynced. */
  async finish(): Promise<void> {
    await this.drain(true);
    await this.file!.sync();
    await this.file!.close();
    this.file = null;
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    this.offsetIndex.writeTo(this.path(INDEX_SUFFIX, CLEANED_SUFFIX));
    this.timeIndex.writeTo(this.path(TIME_INDEX_SUFFIX, CLEANED_SUFFIX));
    fsyncFile(this.path(INDEX_SUFFIX, CLEANED_SUFFIX));
    fsyncFile(this.path(TIME_INDEX_SUFFIX, CLEANED_SUFFIX));
  }

  /** Stage 2: `.cleaned` → `.swap`. Synchronous. */
  promote(onStep: SwapStepObserver | null): void {
    for (const suffix of SUFFIXES) {
      renameSync(this.path(suffix, CLEANED_SUFFIX), this.path(suffix, SWAP_SUFFIX));
      onStep?.(`promote${suffix}`);
    }
    fsyncDirectory(this.dir);
  }

  /** Stage 3's renames: `.swap` → final names. The caller has already moved the old files aside. */
  install(onStep: SwapStepObserver | null): void {
    for (const suffix of SUFFIXES) {
      renameSync(this.path(suffix, SWAP_SUFFIX), this.path(suffix, ''));
      onStep?.(`install${suffix}`);
    }
    fsyncDirectory(this.dir);
  }

  /** Abandons the attempt: every `.cleaned` or `.swap` file of this base offset goes. */
  async discard(): Promise<void> {
    if (this.file) {
      await this.file.close().catch(() => undefined);
      this.file = null;
    }
    for (const suffix of SUFFIXES) {
      await rm(this.path(suffix, CLEANED_SUFFIX), { force: true });
      await rm(this.path(suffix, SWAP_SUFFIX), { force: true });
    }
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Start-up: finishes swaps whose cleaned segment was complete and rolls back the rest (see the
 * module comment). Returns the base offsets of the swaps it finished.
 */
export function recoverInterruptedSwaps(dir: string): number[] {
  const names = readdirSync(dir);
  let lowestCleaned = Number.MAX_SAFE_INTEGER;
  for (const name of names) {
    const match = SWAP_NAME.exec(name);
    if (match && match[3] === 'cleaned') lowestCleaned = Math.min(lowestCleaned, Number(match[1]));
  }
  const swapLogs: number[] = [];
  let changed = false;
  for (const name of names) {
    const match = SWAP_NAME.exec(name);
    if (!match) continue;
    const base = Number(match[1]);
    if (match[3] === 'cleaned' || base >= lowestCleaned) {
      rmSync(join(dir, name), { force: true });
      changed = true;
    } else if (match[2] === 'log') {
      swapLogs.push(base);
    }
  }
  swapLogs.sort((a, b) => a - b);
  for (const base of swapLogs) installRecoveredSwap(dir, base);
  // Index `.swap` files whose log already took its final name: installation renames indexes first, so none should remain.
  for (const name of readdirSync(dir)) {
    if (name.endsWith(SWAP_SUFFIX)) {
      rmSync(join(dir, name), { force: true });
      changed = true;
    }
  }
  if (changed || swapLogs.length > 0) fsyncDirectory(dir);
  return swapLogs;
}

function installRecoveredSwap(dir: string, base: number): void {
  const swapLog = join(dir, segmentFileName(base, LOG_SUFFIX + SWAP_SUFFIX));
  const lastOffset = Math.max(base, lastOffsetInLogFile(swapLog));
  const logName = /^(\d{20})\.log$/;
  for (const name of readdirSync(dir)) {
    const match = logName.exec(name);
    if (!match) continue;
    const old = Number(match[1]);
    if (old < base || old > lastOffset) continue;
    rmSync(join(dir, name), { force: true });
    // The index files at `base` are the new ones if their `.swap` is already gone.
    if (old !== base) {
      rmSync(join(dir, segmentFileName(old, INDEX_SUFFIX)), { force: true });
      rmSync(join(dir, segmentFileName(old, TIME_INDEX_SUFFIX)), { force: true });
    }
  }
  for (const suffix of SUFFIXES) {
    const swap = join(dir, segmentFileName(base, suffix + SWAP_SUFFIX));
    if (existsSync(swap)) renameSync(swap, join(dir, segmentFileName(base, suffix)));
  }
}

/** Last offset of the last whole batch in a log file, or -1 if it holds none. */
function lastOffsetInLogFile(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const cursor = new RecordBatchCursor();
    let chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(size, LOG_OVERHEAD)));
    let position = 0;
    let lastOffset = -1;
    while (position < size) {
      const got = readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position);
      cursor.reset(chunk, 0, got);
      while (cursor.next()) lastOffset = cursor.header.lastOffset;
      if (cursor.position > 0) {
        position += cursor.position;
        continue;
      }
      if (got < LOG_OVERHEAD) break;
      const needed = chunk.readInt32BE(BATCH_LENGTH_POSITION) + LOG_OVERHEAD;
      if (position + needed > size || needed <= chunk.length) break;
      chunk = Buffer.allocUnsafe(needed);
    }
    return lastOffset;
  } finally {
    closeSync(fd);
  }
}
