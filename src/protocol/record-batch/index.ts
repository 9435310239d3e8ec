/**
 * Magic v2 record batches: the header view and cursor the broker's hot path uses, CRC32C, full
 * encode/decode with records for clients, compaction and tests, and control-record helpers.
 */
export { crc32c } from './crc32c.js';
export * from './record-batch-header.js';
export { RecordBatchCursor } from './record-batch-cursor.js';
export { decodeRecord, encodeRecord, varintSize, varlongSize } from './record.js';
export type { KafkaRecord, RecordContext, RecordFields, RecordHeader } from './record.js';
export { decodeRecordBatch, decodeRecordBatches, encodeRecordBatch } from './record-batch.js';
export type { DecodeRecordBatchOptions, RecordBatch, RecordBatchSpec, RecordSpec } from './record-batch.js';
export {
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  encodeControlRecordKey,
  encodeEndTxnMarkerBatch,
  encodeEndTxnMarkerValue,
} from './control-record.js';
export type { ControlRecordKey, EndTxnMarkerSpec, EndTxnMarkerValue } from './control-record.js';
