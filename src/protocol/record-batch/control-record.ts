/**
 * Control records: the records of batches with the control flag, which carry markers rather than
 * user data. The transaction coordinator writes one end-transaction marker (COMMIT or ABORT) per
 * partition when a transaction ends; consumers reading read_committed use them to drop aborted
 * data and never hand them to applications.
 *
 *   key   = version int16 (0) · type int16 (0 ABORT, 1 COMMIT; KRaft uses further types)
 *   value = version int16 (0) · coordinatorEpoch int32          (end-transaction markers)
 *
 * Readers accept longer keys and values than version 0 defines, since later versions may only
 * append fields.
 */
import { ProtocolError } from '../primitives/index.js';
import { encodeRecordBatch } from './record-batch.js';

export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VALUE_SIZE = 6;

export interface ControlRecordKey {
  version: number;
  type: number;
}

export interface EndTxnMarkerValue {
  version: number;
  coordinatorEpoch: number;
}

/** What the coordinator knows when it ends a transaction on one partition. */
export interface EndTxnMarkerSpec {
  isCommit: boolean;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** Marker timestamp, normally the coordinator's clock. */
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

export function encodeControlRecordKey(type: number, version = 0): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  key.writeInt16BE(version, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new ProtocolError(`control record key has ${key === null ? 'no' : key.length} bytes; at least ${CONTROL_KEY_SIZE} are needed`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolError(`control record key has invalid version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = 0): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(version, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function decodeEndTxnMarkerValue(value: Buffer | null): EndTxnMarkerValue {
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new ProtocolError(`end transaction marker has ${value === null ? 'no' : value.length} bytes; at least ${END_TXN_MARKER_VALUE_SIZE} are needed`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new ProtocolError(`end transaction marker has invalid version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

/** A whole marker batch: transactional, control, one record, no sequence, uncompressed. */
export function encodeEndTxnMarkerBatch(spec: EndTxnMarkerSpec): Buffer {
  const type = spec.isCommit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT;
  return encodeRecordBatch({
    baseOffset: spec.baseOffset ?? 0,
    partitionLeaderEpoch: spec.partitionLeaderEpoch,
    isTransactional: true,
    isControl: true,
    producerId: spec.producerId,
    producerEpoch: spec.producerEpoch,
    baseTimestamp: spec.timestamp,
    records: [{ key: encodeControlRecordKey(type), value: encodeEndTxnMarkerValue(spec.coordinatorEpoch), timestamp: spec.timestamp }],
  });
}
