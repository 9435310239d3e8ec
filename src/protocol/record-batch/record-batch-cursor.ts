/**
 * RecordBatchCursor: walks the record batches laid end to end in one Buffer (a log segment read,
 * a fetch response's records, a produce request's records), moving one reusable header view
 * from batch to batch, so a walk allocates nothing per batch.
 *
 * A fetch may legitimately end in the middle of a batch (Kafka cuts reads at maxBytes and clients
 * skip the partial tail), so a short tail ends the walk instead of failing it: `position` is then
 * where the complete batches end and `hasPartialBatch` says bytes remain. A batch whose own
 * framing is impossible (batchLength below the header size, magic other than 2) is corruption and
 * throws ProtocolError, with `position` still at that batch for callers that truncate there.
 *
 * The cursor checks framing only; CRCs are the caller's choice (`header.validate()`).
 */
import { ProtocolError } from '../primitives/index.js';
import {
  BATCH_LENGTH_POSITION,
  LOG_OVERHEAD,
  MAGIC_POSITION,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_MAGIC,
  RecordBatchHeader,
} from './record-batch-header.js';

const EMPTY = Buffer.alloc(0);

export class RecordBatchCursor {
  /** The batch `next()` last stepped onto; reused, so copy fields out before stepping again. */
  readonly header: RecordBatchHeader;
  buf: Buffer;
  /** Start of the first batch not yet returned: after a finished walk, where complete batches end. */
  position: number;
  end: number;

  constructor(buf: Buffer = EMPTY, start = 0, end = buf.length) {
    this.header = new RecordBatchHeader();
    this.buf = buf;
    this.position = start;
    this.end = Math.min(end, buf.length);
  }

  reset(buf: Buffer, start = 0, end = buf.length): this {
    this.buf = buf;
    this.position = start;
    this.end = Math.min(end, buf.length);
    return this;
  }

  /**
   * Drops the references to the last buffer walked. A long-lived cursor that kept them would
   * hold a whole produce request or segment read in memory until its next use.
   */
  clear(): void {
    this.buf = EMPTY;
    this.position = 0;
    this.end = 0;
    this.header.buf = EMPTY;
    this.header.offset = 0;
  }

  /** Steps onto the next complete batch; false when none is left. */
  next(): boolean {
    const position = this.position;
    const remaining = this.end - position;
    if (remaining < LOG_OVERHEAD) return false;
    const batchLength = this.buf.readInt32BE(position + BATCH_LENGTH_POSITION);
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new ProtocolError(`record batch at byte ${position} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`);
    }
    const size = batchLength + LOG_OVERHEAD;
    if (size > remaining) return false;
    const magic = this.buf.readInt8(position + MAGIC_POSITION);
    if (magic !== RECORD_BATCH_MAGIC) {
      throw new ProtocolError(`record batch at byte ${position} has magic ${magic}; only magic ${RECORD_BATCH_MAGIC} is supported`);
    }
    this.header.reset(this.buf, position);
    this.position = position + size;
    return true;
  }

  /** After `next()` returned false: whether bytes of an incomplete batch follow `position`. */
  get hasPartialBatch(): boolean {
    return this.position < this.end;
  }
}
