/**
 * ProducerStateEntry: what one partition remembers of one producer id (KIP-98) — its current
 * epoch, the last five batches it wrote (sequence range, offsets, max timestamp), the timestamp of
 * its last write, and the transaction fields the transaction coordinator will use.
 *
 * Five batches because a producer keeps at most five requests in flight per partition
 * (`max.in.flight.requests.per.connection` <= 5 with idempotence): any of them may come back as a
 * retry, and each must then be recognised and answered with its original offsets.
 *
 * Sequences are int32 and wrap from 2^31-1 to 0, as Kafka's do.
 */
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../protocol/record-batch/index.js';

/** Batches remembered per producer: the producer's bound on in-flight requests. */
export const BATCHES_RETAINED_PER_PRODUCER = 5;
const INT32_MAX = 0x7fffffff;

/** One batch a producer wrote: where it stands in the log and which sequences it carried. */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp (the append time under LogAppendTime). */
  readonly timestamp: number;
}

/** Whether `nextSeq` directly follows `lastSeq`, wrapping at 2^31-1. */
export function isInSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerStateEntry {
  producerEpoch: number;
  /** Oldest first; at most BATCHES_RETAINED_PER_PRODUCER, all of the current epoch. */
  readonly batches: BatchMetadata[] = [];
  /** Max timestamp of the producer's last batch or marker: idle time for expiration counts from it. */
  lastTimestamp: number;
  /** Epoch of the transaction coordinator that wrote the last marker; -1 until transactions exist. */
  coordinatorEpoch = -1;
  /** First offset of the open transaction, -1 when none (never set until transactions exist). */
  currentTxnFirstOffset = -1;

  constructor(readonly producerId: number, producerEpoch = NO_PRODUCER_EPOCH, lastTimestamp = -1) {
    this.producerEpoch = producerEpoch;
    this.lastTimestamp = lastTimestamp;
  }

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  get lastSeq(): number {
    const last = this.batches[this.batches.length - 1];
    return last === undefined ? NO_SEQUENCE : last.lastSeq;
  }

  /** The remembered batch with exactly this epoch and sequence range: a retry of it. */
  findDuplicate(producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined;
    for (const batch of this.batches) {
      if (batch.firstSeq === firstSeq && batch.lastSeq === lastSeq) return batch;
    }
    return undefined;
  }

  /** A new epoch forgets the batches of the old one, as their sequences restart at 0. */
  updateEpoch(producerEpoch: number): void {
    if (producerEpoch === this.producerEpoch) return;
    this.producerEpoch = producerEpoch;
    this.batches.length = 0;
  }

  addBatch(producerEpoch: number, batch: BatchMetadata): void {
    this.updateEpoch(producerEpoch);
    if (this.batches.length === BATCHES_RETAINED_PER_PRODUCER) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.timestamp;
  }
}
