/**
 * compactBatch: decides, record by record, what one stored batch keeps when its log is compacted,
 * and re-encodes the batch when anything changes. This is one of the few places records are
 * decoded.
 *
 * A record is kept when it has a key, no later record of that key was mapped (OffsetMap), and it
 * is not a tombstone past its delete horizon. Tombstones follow KIP-534: the first pass that
 * keeps a tombstone stamps its batch with a delete horizon (now + delete.retention.ms, carried in
 * baseTimestamp under the DELETE_HORIZON attribute bit); a pass at or after the horizon drops it.
 * A batch carries the horizon bit only while it holds a tombstone, so a header scan can tell
 * when tombstones fall due.
 *
 * A re-encoded batch keeps its base offset, last offset delta (so its offset span, and the last
 * sequence an idempotent producer wrote, are unchanged), each kept record's offset delta and
 * timestamp, and its compression codec, timestamp type, partition leader epoch and producer id,
 * epoch and base sequence. Under CreateTime maxTimestamp becomes the largest kept timestamp, as
 * Kafka's cleaner computes it; under LogAppendTime it stays the append time.
 *
 * Transactional and control batches are kept exactly as stored: removing aborted transactions
 * and expired transaction markers is left to the transaction support that will extend this.
 */
import { COMPRESSION_NONE } from '../protocol/compression/index.js';
import {
  decodeRecordBatch, encodeRecordBatch, type RecordBatch, type RecordBatchHeader, type RecordSpec,
  TIMESTAMP_TYPE_LOG_APPEND_TIME,
} from '../protocol/record-batch/index.js';
import { type OffsetMap } from './offset-map.js';

export const BATCH_KEPT = 0;
export const BATCH_REWRITTEN = 1;
export const BATCH_DROPPED = 2;
export type BatchOutcome = typeof BATCH_KEPT | typeof BATCH_REWRITTEN | typeof BATCH_DROPPED;

/** No tombstone is waiting for its delete horizon. */
export const NO_DELETE_HORIZON = Number.MAX_SAFE_INTEGER;

export interface CompactionRules {
  readonly map: OffsetMap;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  /** Base offset of each producer's last batch seen while mapping (producer id → offset). */
  readonly lastBatchOfProducer: ReadonlyMap<number, number>;
}

export interface CompactedBatch {
  readonly outcome: BatchOutcome;
  /** The batch to write: the stored bytes when kept, new bytes when rewritten, null when dropped. */
  readonly bytes: Buffer | null;
  /** The horizon of the tombstones this batch still holds, or NO_DELETE_HORIZON. */
  readonly deleteHorizonMs: number;
}

const DROPPED: CompactedBatch = { outcome: BATCH_DROPPED, bytes: null, deleteHorizonMs: NO_DELETE_HORIZON };

export function compactBatch(header: RecordBatchHeader, rules: CompactionRules): CompactedBatch {
  const stored = header.buf.subarray(header.offset, header.offset + header.sizeInBytes);
  if (header.isControl || header.isTransactional) {
    return { outcome: BATCH_KEPT, bytes: stored, deleteHorizonMs: NO_DELETE_HORIZON };
  }
  const batch = decodeRecordBatch(header.buf, header.offset, { verifyCrc: false });
  const kept: RecordSpec[] = [];
  let holdsTombstone = false;
  for (const record of batch.records) {
    if (record.key === null) continue;
    if (rules.map.latestOffset(record.key) > record.offset) continue;
    if (record.value === null) {
      if (batch.hasDeleteHorizonMs && rules.nowMs >= batch.baseTimestamp) continue;
      holdsTombstone = true;
    }
    kept.push({
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: batch.baseTimestamp + record.timestampDelta,
      offsetDelta: record.offsetDelta,
      attributes: record.attributes,
    });
  }
  const horizon = !holdsTombstone
    ? NO_DELETE_HORIZON
    : batch.hasDeleteHorizonMs ? batch.baseTimestamp : Math.min(rules.nowMs + rules.deleteRetentionMs, NO_DELETE_HORIZON - 1);
  if (kept.length === batch.records.length && (!holdsTombstone || batch.hasDeleteHorizonMs)) {
    return { outcome: BATCH_KEPT, bytes: stored, deleteHorizonMs: horizon };
  }
  if (kept.length === 0) {
    return mustKeepForProducer(batch, rules) ? { outcome: BATCH_REWRITTEN, bytes: encodeEmptyBatch(header), deleteHorizonMs: NO_DELETE_HORIZON } : DROPPED;
  }
  const bytes = encodeRecordBatch({
    records: kept,
    baseOffset: batch.baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    compression: batch.compression,
    timestampType: batch.timestampType,
    deleteHorizonMs: holdsTombstone ? horizon : undefined,
    maxTimestamp: batch.timestampType === TIMESTAMP_TYPE_LOG_APPEND_TIME ? batch.maxTimestamp : undefined,
    lastOffsetDelta: batch.lastOffsetDelta,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
  });
  return { outcome: BATCH_REWRITTEN, bytes, deleteHorizonMs: horizon };
}

/**
 * An idempotent producer's last batch stays, emptied, so its last sequence survives compaction
 * (Kafka retains it the same way). A producer not seen while mapping may still be active, so its
 * batch is kept too; producer-state tracking will let a later issue drop more of these.
 */
function mustKeepForProducer(batch: RecordBatch, rules: CompactionRules): boolean {
  if (batch.producerId < 0) return false;
  const last = rules.lastBatchOfProducer.get(batch.producerId);
  return last === undefined || last === batch.baseOffset;
}

/**
 * A batch with no records spanning the same offsets as `header`'s: what remains of a batch whose
 * records all went when its offsets must stay covered (a producer's last batch, the last batch of
 * a cleaned segment). It carries no delete horizon, since it holds no tombstone.
 */
export function encodeEmptyBatch(header: RecordBatchHeader): Buffer {
  return encodeRecordBatch({
    records: [],
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    compression: COMPRESSION_NONE,
    timestampType: header.timestampType,
    isTransactional: header.isTransactional,
    baseTimestamp: header.hasDeleteHorizonMs ? header.maxTimestamp : header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    lastOffsetDelta: header.lastOffsetDelta,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
  });
}
