/**
 * ProducerStateManager: one partition's producer state for idempotent producers (KIP-98) — per
 * producer id, its epoch and last five batches (ProducerStateEntry) — and its snapshots.
 *
 * Before a client's records are appended, `checkAppend` walks their batch headers (never the
 * records) and applies Kafka's rules (ProducerAppendInfo for origin CLIENT):
 *   - a batch with the epoch and sequence range of one of the producer's last five is a retry: the
 *     request is answered with that batch's offsets and nothing is written (Kafka answers NONE);
 *   - an epoch older than the producer's current one: INVALID_PRODUCER_EPOCH (what Kafka answers
 *     fenced idempotent writes since 2.7, instead of the fatal PRODUCER_FENCED);
 *   - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;
 *   - within an epoch, the first sequence must follow the last one (wrapping at 2^31-1), else
 *     OUT_OF_ORDER_SEQUENCE_NUMBER;
 *   - a producer id this partition has no state for (never seen, expired, or its batches deleted)
 *     is accepted at any sequence: Kafka does so since 2.5 (KIP-360) and no longer answers
 *     UNKNOWN_PRODUCER_ID to produce requests;
 *   - a batch with a producer id but a negative sequence: INVALID_RECORD (Kafka's LogValidator).
 * State changes only when batches are in the log: PartitionLog calls `onBatch` with their final
 * offsets (appends, replication), so a failed append leaves the state untouched.
 *
 * Durability: a snapshot is written at each segment roll and at clean shutdown. `load` takes the
 * latest snapshot within [logStartOffset, logEndOffset] and replays the batch headers after it
 * (after a crash, those past the last roll), so retries are recognised across restarts.
 * Truncation reloads the same way. Moving the log start offset keeps the state in memory (as
 * Kafka since KIP-360); only idleness past `producer.id.expiration.ms` removes a producer.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { ProtocolError } from '../protocol/primitives/index.js';
import { NO_PRODUCER_EPOCH, RecordBatchCursor, type RecordBatchHeader } from '../protocol/record-batch/index.js';
import type { ProducerStateHook } from '../storage/partition-log.js';
import { type BatchMetadata, ProducerStateEntry, isInSequence } from './producer-state-entry.js';
import {
  CorruptSnapshotError, deleteSnapshot, listSnapshotOffsets, readSnapshot, writeSnapshot,
} from './producer-snapshot.js';

/** What the manager needs of the partition's log (PartitionLog provides it). */
export interface ProducerStateLog {
  readonly dir: string;
  readonly name: string;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Visits the headers of the batches from the one holding `fromOffset` to the end, in order. */
  visitBatches(fromOffset: number, visit: (header: RecordBatchHeader) => void): void;
}

export interface ProducerStateLogger {
  warn(obj: object, msg: string): void;
}

export interface ProducerStateManagerOptions {
  /** `producer.id.expiration.ms`: a producer idle this long (by its batches' timestamps) is forgotten. */
  readonly producerIdExpirationMs: number;
  readonly clock: () => number;
  readonly logger?: ProducerStateLogger;
}

/** A producer's epoch and last sequence as earlier batches of the same request leave them. */
interface PendingAppend {
  epoch: number;
  lastSeq: number;
}

export class ProducerStateManager implements ProducerStateHook {
  readonly producers = new Map<number, ProducerStateEntry>();
  /** The state reflects the log below this offset. */
  mapEndOffset = 0;
  /** Offsets of the snapshot files on disk, ascending. */
  private snapshotOffsets: number[] = [];
  private readonly cursor = new RecordBatchCursor();
  private readonly pending = new Map<number, PendingAppend>();
  /** onBatch bound once, for log replays. */
  private readonly replayBatch = (header: RecordBatchHeader): void => this.onBatch(header);

  constructor(private readonly log: ProducerStateLog, private readonly options: ProducerStateManagerOptions) {}

  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  /**
   * Checks a client's batches against the producers' state before they are appended. Returns the
   * batch a retry repeats (answer its offsets, write nothing) or null to append; throws the
   * KafkaError Kafka answers for a fenced epoch, a sequence gap or a missing sequence.
   */
  checkAppend(records: Buffer): BatchMetadata | null {
    const cursor = this.cursor.reset(records);
    const pending = this.pending;
    let duplicate: BatchMetadata | undefined;
    try {
      while (cursor.next()) {
        const header = cursor.header;
        const producerId = header.producerId;
        if (producerId < 0 || header.isControl) continue;
        const firstSeq = header.baseSequence;
        const epoch = header.producerEpoch;
        if (firstSeq < 0) {
          throw new KafkaError(ErrorCode.INVALID_RECORD, `batch of producer ${producerId} in ${this.log.name} has the invalid sequence ${firstSeq}`);
        }
        const current = this.producers.get(producerId);
        duplicate = current?.findDuplicate(epoch, firstSeq, header.lastSequence);
        if (duplicate) break;
        this.checkEpochAndSequence(producerId, epoch, firstSeq, current, pending.get(producerId));
        pending.set(producerId, { epoch, lastSeq: header.lastSequence });
      }
    } catch (err) {
      // Badly framed bytes: the append that follows refuses them with CORRUPT_MESSAGE.
      if (err instanceof ProtocolError) return null;
      if (err instanceof KafkaError) this.ensureIntact(records);
      throw err;
    } finally {
      pending.clear();
      cursor.clear();
    }
    if (duplicate === undefined) return null;
    this.ensureIntact(records);
    return duplicate;
  }

  /** Kafka checks batches' CRCs before producer state: a corrupt request answers CORRUPT_MESSAGE. */
  private ensureIntact(records: Buffer): void {
    const cursor = this.cursor.reset(records);
    try {
      while (cursor.next()) cursor.header.validate();
      if (cursor.hasPartialBatch) throw new ProtocolError(`${records.length - cursor.position} trailing bytes are not a whole batch`);
    } catch (err) {
      if (err instanceof ProtocolError) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, err.message);
      throw err;
    } finally {
      cursor.clear();
    }
  }

  private checkEpochAndSequence(
    producerId: number, epoch: number, firstSeq: number, current: ProducerStateEntry | undefined, pending: PendingAppend | undefined,
  ): void {
    const currentEpoch = current ? current.producerEpoch : NO_PRODUCER_EPOCH;
    const expectedEpoch = pending ? pending.epoch : currentEpoch;
    if (epoch < expectedEpoch) {
      throw new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH, `producer ${producerId} wrote to ${this.log.name} with epoch ${epoch}, older than its current epoch ${expectedEpoch}`);
    }
    if (epoch !== expectedEpoch) {
      if (firstSeq !== 0 && expectedEpoch !== NO_PRODUCER_EPOCH) {
        throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `producer ${producerId} started epoch ${epoch} on ${this.log.name} at sequence ${firstSeq}; a new epoch starts at 0`);
      }
      return;
    }
    // No state for this producer: accept any sequence (KIP-360).
    if (currentEpoch === NO_PRODUCER_EPOCH) return;
    const lastSeq = pending ? pending.lastSeq : current!.lastSeq;
    if (!isInSequence(lastSeq, firstSeq)) {
      const expected = isInSequence(lastSeq, 0) ? 0 : lastSeq + 1;
      throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `producer ${producerId} sent sequence ${firstSeq} to ${this.log.name}, expected ${expected}`);
    }
  }

  /** A batch stands in the log at its final offsets (ProducerStateHook). */
  onBatch(header: RecordBatchHeader): void {
    const end = header.lastOffset + 1;
    if (end > this.mapEndOffset) this.mapEndOffset = end;
    const producerId = header.producerId;
    if (producerId < 0) return;
    let entry = this.producers.get(producerId);
    if (!entry) {
      entry = new ProducerStateEntry(producerId);
      this.producers.set(producerId, entry);
    }
    if (header.isControl) {
      // A transaction marker: the epoch it carries becomes current, and no transaction is open.
      entry.updateEpoch(header.producerEpoch);
      entry.lastTimestamp = header.maxTimestamp;
      entry.currentTxnFirstOffset = -1;
      return;
    }
    entry.addBatch(header.producerEpoch, {
      firstSeq: header.baseSequence,
      lastSeq: header.lastSequence,
      firstOffset: header.baseOffset,
      lastOffset: header.lastOffset,
      timestamp: header.maxTimestamp,
    });
  }

  /** A segment starting at `baseOffset` was rolled: the state up to it is snapshotted (ProducerStateHook). */
  onRoll(baseOffset: number): void {
    this.takeSnapshot(baseOffset, false);
  }

  /** The log now ends at `logEndOffset`: state is rebuilt from the snapshots and log that remain (ProducerStateHook). */
  onTruncate(logEndOffset: number): void {
    if (this.log.logStartOffset >= logEndOffset) {
      // Truncated to nothing: the whole history is gone, and so is every producer's state.
      this.producers.clear();
      for (const offset of this.snapshotOffsets) this.removeSnapshot(offset);
      this.snapshotOffsets = [];
      this.mapEndOffset = logEndOffset;
      return;
    }
    this.load();
  }

  /**
   * Writes the state as of `offset` (default: the log end) to `<offset>.snapshot`. Never throws:
   * a snapshot that cannot be written only makes the next load replay more of the log.
   */
  takeSnapshot(offset = this.log.logEndOffset, sync = true): void {
    try {
      writeSnapshot(this.log.dir, offset, this.producers.values(), sync);
      if (!this.snapshotOffsets.includes(offset)) {
        this.snapshotOffsets.push(offset);
        this.snapshotOffsets.sort((a, b) => a - b);
      }
    } catch (err) {
      this.options.logger?.warn({ partition: this.log.name, offset, err: (err as Error).message }, 'cannot write a producer state snapshot; a restart will replay more of the log');
    }
  }

  /**
   * Rebuilds the state: the latest readable snapshot within [logStartOffset, logEndOffset], then
   * every batch after it. Snapshots outside that range are deleted: past the end they describe
   * batches that are gone; below the start, batches between them and the start are gone, and
   * replaying without those would leave producers at stale sequences.
   */
  load(): void {
    const { dir, logStartOffset, logEndOffset } = this.log;
    this.producers.clear();
    let from = logStartOffset;
    try {
      const kept: number[] = [];
      let loaded = false;
      for (const offset of listSnapshotOffsets(dir).reverse()) {
        if (offset > logEndOffset || offset < logStartOffset) {
          this.removeSnapshot(offset);
          continue;
        }
        if (!loaded) {
          if (!this.loadSnapshot(offset)) continue;
          loaded = true;
          from = offset;
        }
        kept.push(offset);
      }
      this.snapshotOffsets = kept.reverse();
      this.mapEndOffset = from;
      if (from < logEndOffset) this.log.visitBatches(from, this.replayBatch);
    } catch (err) {
      // Partial state would judge sequences wrongly; no state accepts them (KIP-360).
      this.producers.clear();
      this.options.logger?.warn({ partition: this.log.name, err: (err as Error).message }, 'cannot rebuild producer state; idempotent producers start afresh on this partition');
    }
    this.mapEndOffset = logEndOffset;
  }

  /** Loads one snapshot's unexpired producers; false (and the file deleted) when it is corrupt. */
  private loadSnapshot(offset: number): boolean {
    let entries: ProducerStateEntry[];
    try {
      entries = readSnapshot(this.log.dir, offset);
    } catch (err) {
      if (!(err instanceof CorruptSnapshotError)) throw err;
      this.options.logger?.warn({ partition: this.log.name, offset, err: err.message }, 'producer state snapshot is corrupt; falling back to an older one');
      this.removeSnapshot(offset);
      return false;
    }
    const now = this.options.clock();
    for (const entry of entries) {
      if (!this.isExpired(entry, now)) this.producers.set(entry.producerId, entry);
    }
    return true;
  }

  private isExpired(entry: ProducerStateEntry, now: number): boolean {
    return entry.currentTxnFirstOffset < 0 && now - entry.lastTimestamp >= this.options.producerIdExpirationMs;
  }

  /** Forgets producers idle for `producer.id.expiration.ms` (Kafka's removeExpiredProducers). */
  removeExpiredProducers(now = this.options.clock()): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (!this.isExpired(entry, now)) continue;
      this.producers.delete(producerId);
      removed++;
    }
    return removed;
  }

  /** Deletes the snapshots below `offset` (the log start offset): they can no longer be replayed from. */
  deleteSnapshotsBefore(offset: number): void {
    while (this.snapshotOffsets.length > 0 && this.snapshotOffsets[0]! < offset) {
      this.removeSnapshot(this.snapshotOffsets.shift()!);
    }
  }

  get snapshots(): readonly number[] {
    return this.snapshotOffsets;
  }

  private removeSnapshot(offset: number): void {
    try {
      deleteSnapshot(this.log.dir, offset);
    } catch (err) {
      this.options.logger?.warn({ partition: this.log.name, offset, err: (err as Error).message }, 'cannot delete a producer state snapshot');
    }
  }
}
