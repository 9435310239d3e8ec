/**
 * LeaderEpochCache: for one partition, the offset at which each leader epoch began, persisted as
 * `leader-epoch-checkpoint` (Kafka's layout: entries "epoch startOffset"). Replication uses it to
 * answer OffsetForLeaderEpoch and to truncate a follower to where its log diverged (KIP-101/279).
 *
 * Invariants: epochs and start offsets both strictly ascend. A new epoch is assigned when the
 * first batch carrying it is appended; truncating the log drops the epochs that began past the new
 * end, and moving the log start offset forward clips the first epochs.
 */
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { storageError } from './log-segment.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** OffsetForLeaderEpoch's answer: the largest epoch <= the asked one and where it ended. */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, LEADER_EPOCH_CHECKPOINT);
    this.entries = readCheckpoint(this.path, 2).map(([epoch, startOffset]) => ({ epoch: Number(epoch), startOffset: Number(startOffset) }));
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number {
    return this.entries.length === 0 ? -1 : this.entries[this.entries.length - 1]!.epoch;
  }

  /** Records that `epoch` starts at `startOffset`, if it is newer than the latest known epoch. */
  assign(epoch: number, startOffset: number): void {
    if (epoch < 0) return;
    const latest = this.entries[this.entries.length - 1];
    if (latest && (epoch <= latest.epoch || startOffset < latest.startOffset)) return;
    // An epoch starting where the latest one starts replaces it: that one holds no records (the
    // log start offset moved onto the log end), and start offsets must strictly ascend.
    if (latest && latest.startOffset === startOffset) this.entries.pop();
    this.entries.push({ epoch, startOffset });
    this.flush();
  }

  /**
   * OffsetForLeaderEpoch's answer, as Kafka's LeaderEpochFileCache gives it: for the latest epoch,
   * the log end offset; for an older one, the largest known epoch <= it and the start offset of
   * the epoch after that; for an epoch older than every known one, that epoch itself and the
   * first known epoch's start offset; for one newer than every known one (or -1), epoch -1 and
   * offset -1.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedEpoch = { epoch: -1, endOffset: -1 };
    const latest = this.entries[this.entries.length - 1];
    if (!latest || requestedEpoch < 0) return undefinedEpoch;
    if (requestedEpoch === latest.epoch) return { epoch: latest.epoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (higher < 0) return undefinedEpoch;
    if (higher === 0) return { epoch: requestedEpoch, endOffset: this.entries[0]!.startOffset };
    return { epoch: this.entries[higher - 1]!.epoch, endOffset: this.entries[higher]!.startOffset };
  }

  /** The log was truncated to end before `endOffset`: epochs starting at or past it are gone. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /** The log now starts at `startOffset`: the epoch covering it now starts there. */
  truncateFromStart(startOffset: number): void {
    let firstKept = 0;
    while (firstKept + 1 < this.entries.length && this.entries[firstKept + 1]!.startOffset <= startOffset) firstKept++;
    const first = this.entries[firstKept];
    if (!first || (firstKept === 0 && first.startOffset >= startOffset)) return;
    this.entries = [{ epoch: first.epoch, startOffset: Math.max(first.startOffset, startOffset) }, ...this.entries.slice(firstKept + 1)];
    this.flush();
  }

  clear(): void {
    this.entries = [];
    this.flush();
  }

  /** Throws KAFKA_STORAGE_ERROR if the file cannot be written, so the log's directory goes offline. */
  private flush(): void {
    try {
      writeCheckpoint(this.path, this.entries.map((e) => [e.epoch, e.startOffset]));
    } catch (err) {
      throw storageError(`cannot write ${this.path}`, err);
    }
  }
}
