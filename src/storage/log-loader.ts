/**
 * LogLoader: opens one partition directory at start-up.
 *
 * After a clean shutdown (the log directory's clean-shutdown marker is present) segments are
 * trusted: sizes come from the files, indexes load lazily, and only the tail after the active
 * segment's last index entry is read to find the log end offset. After a crash every segment from
 * the one holding the recovery point onward is re-scanned (framing, CRC, ascending offsets), its
 * indexes rebuilt, and the log truncated at the first invalid byte; segments after a truncation
 * are deleted, since nothing past a corruption may be served as valid.
 *
 * A compaction swap a crash interrupted is finished or rolled back first (`.swap` files are
 * installed, `.cleaned` ones dropped; see cleaned-segment.ts). Then leftovers of interrupted
 * operations are removed: `.tmp` (checkpoint writes), `.deleted` (segments awaiting deletion) and
 * `.cleaned` (an unfinished compaction pass).
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ZERO_UUID } from '../protocol/primitives/index.js';
import { writeFileAtomically } from './checkpoint-file.js';
import { recoverInterruptedSwaps } from './cleaned-segment.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import { type BatchVisitor, DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, LogSegment, TIME_INDEX_SUFFIX } from './log-segment.js';
import { PartitionLog, type PartitionLogContext } from './partition-log.js';

export const PARTITION_METADATA_FILE = 'partition.metadata';
const SEGMENT_NAME = /^(\d{20})\.log$/;

export interface LoadPartitionOptions {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  /** The topic id to record if the directory has none yet. */
  readonly topicId: string;
  readonly config: LogConfig;
  readonly context: PartitionLogContext;
  readonly hadCleanShutdown: boolean;
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
  /** Sees each batch a crash recovery keeps, in order (producer state rebuilds from it). */
  readonly onRecoveredBatch?: BatchVisitor;
}

export interface LoadResult {
  readonly log: PartitionLog;
  /** Bytes cut from torn or corrupt tails during recovery. */
  readonly truncatedBytes: number;
  readonly recoveredSegments: number;
}

function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.tmp') || name.endsWith(DELETED_SUFFIX) || name.endsWith('.cleaned')) {
      rmSync(join(dir, name), { force: true });
    }
  }
}

function segmentBaseOffsets(dir: string): number[] {
  const bases: number[] = [];
  const names = readdirSync(dir);
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (match) bases.push(Number(match[1]));
  }
  bases.sort((a, b) => a - b);
  // Index files whose log is gone are orphans of an interrupted deletion.
  const logs = new Set(bases.map((b) => String(b).padStart(20, '0')));
  for (const name of names) {
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      if (name.endsWith(suffix) && !logs.has(name.slice(0, -suffix.length))) rmSync(join(dir, name), { force: true });
    }
  }
  return bases;
}

/** The topic id recorded in `partition.metadata`, writing `topicId` there if none is. */
export function readOrWriteTopicId(dir: string, topicId: string): string {
  const path = join(dir, PARTITION_METADATA_FILE);
  if (existsSync(path)) {
    const match = /topic_id:\s*(\S+)/.exec(readFileSync(path, 'utf8'));
    if (match && match[1] !== undefined) return match[1];
  }
  if (topicId !== ZERO_UUID) writeFileAtomically(path, `version: 0\ntopic_id: ${topicId}\n`);
  return topicId;
}

export function loadPartitionLog(options: LoadPartitionOptions): LoadResult {
  const { dir, config, context } = options;
  recoverInterruptedSwaps(dir);
  removeLeftovers(dir);
  const topicId = readOrWriteTopicId(dir, options.topicId);
  const bases = segmentBaseOffsets(dir);
  let segments: LogSegment[];
  if (bases.length === 0) {
    segments = [LogSegment.create(dir, options.logStartOffset, config, context.handles, context.clock())];
  } else {
    segments = bases.map((base) => LogSegment.open(dir, base, config, context.handles));
  }
  let truncatedBytes = 0;
  let recoveredSegments = 0;
  const leaderEpochCache = new LeaderEpochCache(dir);
  // A kill between writing a batch and checkpointing the new epoch it starts leaves the cache
  // without that epoch; like Kafka's LogSegment.recover, recovery learns epochs from the batches.
  const onRecoveredBatch: BatchVisitor = (header) => {
    leaderEpochCache.assign(header.partitionLeaderEpoch, header.baseOffset);
    options.onRecoveredBatch?.(header);
  };
  if (options.hadCleanShutdown) {
    const active = segments[segments.length - 1]!;
    // The marker vouches for whole batches; a tail that is not (the file damaged after the
    // shutdown) is recovered as after a crash, so nothing is appended after a partial batch.
    if (!active.loadTail()) {
      truncatedBytes += active.recover(Number.MAX_SAFE_INTEGER, onRecoveredBatch);
      recoveredSegments++;
    }
  } else {
    let first = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= options.recoveryPoint) first = i;
    for (let i = first; i < segments.length; i++) {
      const next = segments[i + 1];
      const truncated = segments[i]!.recover(next ? next.baseOffset : Number.MAX_SAFE_INTEGER, onRecoveredBatch);
      recoveredSegments++;
      truncatedBytes += truncated;
      if (truncated > 0) {
        for (const later of segments.splice(i + 1)) later.deleteNow();
        break;
      }
    }
    if (first > 0 || segments.length > 1) {
      // Segments before the recovery point were not scanned; the active one may be, so load the tail only if not.
      const active = segments[segments.length - 1]!;
      if (active.baseOffset < options.recoveryPoint && active.lastOffset < active.baseOffset) active.loadTail();
    }
  }
  const log = new PartitionLog(
    dir, options.topic, options.partition, topicId, config, segments,
    options.logStartOffset, options.hadCleanShutdown ? Number.MAX_SAFE_INTEGER : options.recoveryPoint, leaderEpochCache, context,
  );
  // After a crash the recovery point stays where it was checkpointed: recovery read the tail from
  // the page cache, which an OS crash could still lose, so only a flush may move it (as in Kafka).
  leaderEpochCache.truncateFromEnd(log.logEndOffset);
  leaderEpochCache.truncateFromStart(log.logStartOffset);
  return { log, truncatedBytes, recoveredSegments };
}

export { LOG_SUFFIX };
