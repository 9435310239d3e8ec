/**
 * The bytes of a `__consumer_offsets` record, laid out as Kafka lays them out, so a log written
 * here reads the same to Kafka's tools (kafka-dump-log's offsets decoder) and back.
 *
 * Key: int16 key version, then the key struct of that version. The key version names the record
 * (Kafka's group-coordinator specs): 0 and 1 OffsetCommitKey, 2 GroupMetadataKey,
 * 3 ConsumerGroupMetadataKey, 4 ConsumerGroupPartitionMetadataKey, 5 ConsumerGroupMemberMetadataKey,
 * 6 ConsumerGroupTargetAssignmentMetadataKey, 7 ConsumerGroupTargetAssignmentMemberKey,
 * 8 ConsumerGroupCurrentMemberAssignmentKey. Higher versions (share groups, streams groups) are
 * records this broker does not know: decoding returns null and the reader skips them, as Kafka's
 * loader skips an unknown record type.
 *
 * Value: int16 value version, then the value struct of that version, or no value at all for a
 * tombstone. Written in the versions Kafka 4.0 writes: OffsetCommitKey v1; OffsetCommitValue v3,
 * or v1 when the commit carries an expire timestamp (an OffsetCommit v2-4 request with a retention time); GroupMetadataValue
 * v3; every consumer-group value v0. Read in any version the spec defines, flexible (v4+) ones
 * included, since KIP-915 lets newer brokers write those. A value version outside the spec is a
 * ProtocolError: Kafka's loader fails on it too rather than guess.
 */
import {
  ConsumerGroupCurrentMemberAssignmentKey, ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataKey,
  ConsumerGroupMemberMetadataValue, ConsumerGroupMetadataKey, ConsumerGroupMetadataValue, ConsumerGroupPartitionMetadataKey,
  ConsumerGroupPartitionMetadataValue, ConsumerGroupTargetAssignmentMemberKey, ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupTargetAssignmentMetadataKey, ConsumerGroupTargetAssignmentMetadataValue, GroupMetadataKey, GroupMetadataValue,
  OffsetCommitKey, OffsetCommitValue,
} from '../../protocol/generated/index.js';
import { type MessageCodec, ProtocolError, Reader, Writer } from '../../protocol/primitives/index.js';
import type { CoordinatorRecord } from './coordinator-record.js';

export interface EncodedCoordinatorRecord {
  readonly key: Buffer;
  /** null: a tombstone. */
  readonly value: Buffer | null;
}

/** The key version Kafka writes for offset commits (v0 is the pre-0.10 layout of the same fields). */
const OFFSET_COMMIT_KEY_VERSION = 1;
const OFFSET_COMMIT_VALUE_VERSION = 3;
/** The only version that carries expireTimestamp. */
const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
const GROUP_METADATA_VALUE_VERSION = 3;
const CONSUMER_GROUP_VALUE_VERSION = 0;

/** One record's bytes (tests and tools; the log encodes a batch's records together). */
export function encodeCoordinatorRecord(record: CoordinatorRecord): EncodedCoordinatorRecord {
  return encodeCoordinatorRecords([record])[0]!;
}

/**
 * The records' keys and values, all written into one buffer and handed out as views of it: an
 * OffsetCommit of many partitions becomes one allocation instead of two writers per record.
 */
export function encodeCoordinatorRecords(records: readonly CoordinatorRecord[]): EncodedCoordinatorRecord[] {
  const w = new Writer(Math.max(256, records.length * 128));
  const bounds: number[] = [];
  for (const record of records) {
    bounds.push(w.length);
    writeKey(w, record);
    bounds.push(w.length);
    bounds.push(writeValue(w, record) ? w.length : -1);
  }
  const bytes = w.toBuffer();
  return records.map((_, i) => {
    const [keyStart, valueStart, valueEnd] = [bounds[3 * i]!, bounds[3 * i + 1]!, bounds[3 * i + 2]!];
    return { key: bytes.subarray(keyStart, valueStart), value: valueEnd === -1 ? null : bytes.subarray(valueStart, valueEnd) };
  });
}

function writeKey(w: Writer, record: CoordinatorRecord): void {
  switch (record.type) {
    case 'offset-commit':
      return writeVersioned(w, OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION, { group: record.groupId, topic: record.topic, partition: record.partition });
    case 'group-metadata':
      return writeVersioned(w, GroupMetadataKey, GroupMetadataKey.lowestVersion, { group: record.groupId });
    case 'consumer-group-metadata':
      return writeVersioned(w, ConsumerGroupMetadataKey, ConsumerGroupMetadataKey.lowestVersion, { groupId: record.groupId });
    case 'consumer-group-partition-metadata':
      return writeVersioned(w, ConsumerGroupPartitionMetadataKey, ConsumerGroupPartitionMetadataKey.lowestVersion, { groupId: record.groupId });
    case 'consumer-group-member-metadata':
      return writeVersioned(w, ConsumerGroupMemberMetadataKey, ConsumerGroupMemberMetadataKey.lowestVersion, { groupId: record.groupId, memberId: record.memberId });
    case 'consumer-group-target-assignment-metadata':
      return writeVersioned(w, ConsumerGroupTargetAssignmentMetadataKey, ConsumerGroupTargetAssignmentMetadataKey.lowestVersion, { groupId: record.groupId });
    case 'consumer-group-target-assignment-member':
      return writeVersioned(w, ConsumerGroupTargetAssignmentMemberKey, ConsumerGroupTargetAssignmentMemberKey.lowestVersion, { groupId: record.groupId, memberId: record.memberId });
    case 'consumer-group-current-member-assignment':
      return writeVersioned(w, ConsumerGroupCurrentMemberAssignmentKey, ConsumerGroupCurrentMemberAssignmentKey.lowestVersion, { groupId: record.groupId, memberId: record.memberId });
  }
}

/** Writes the value; false (nothing written) for a tombstone. */
function writeValue(w: Writer, record: CoordinatorRecord): boolean {
  switch (record.type) {
    case 'offset-commit': {
      const version = record.value !== null && record.value.expireTimestamp !== -1 ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
      return writeVersionedValue(w, OffsetCommitValue, version, record.value);
    }
    case 'group-metadata':
      return writeVersionedValue(w, GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, record.value);
    case 'consumer-group-metadata':
      return writeVersionedValue(w, ConsumerGroupMetadataValue, CONSUMER_GROUP_VALUE_VERSION, record.value);
    case 'consumer-group-partition-metadata':
      return writeVersionedValue(w, ConsumerGroupPartitionMetadataValue, CONSUMER_GROUP_VALUE_VERSION, record.value);
    case 'consumer-group-member-metadata':
      return writeVersionedValue(w, ConsumerGroupMemberMetadataValue, CONSUMER_GROUP_VALUE_VERSION, record.value);
    case 'consumer-group-target-assignment-metadata':
      return writeVersionedValue(w, ConsumerGroupTargetAssignmentMetadataValue, CONSUMER_GROUP_VALUE_VERSION, record.value);
    case 'consumer-group-target-assignment-member':
      return writeVersionedValue(w, ConsumerGroupTargetAssignmentMemberValue, CONSUMER_GROUP_VALUE_VERSION, record.value);
    case 'consumer-group-current-member-assignment':
      return writeVersionedValue(w, ConsumerGroupCurrentMemberAssignmentValue, CONSUMER_GROUP_VALUE_VERSION, record.value);
  }
}

function writeVersioned<T>(w: Writer, codec: MessageCodec<T>, version: number, struct: T): void {
  w.writeInt16(version);
  codec.write(w, struct, version);
}

function writeVersionedValue<T>(w: Writer, codec: MessageCodec<T>, version: number, value: T | null): boolean {
  if (value === null) return false;
  writeVersioned(w, codec, version, value);
  return true;
}

/**
 * The record these bytes hold, or null for a key version this broker does not know (the caller
 * logs and skips it). Throws ProtocolError for truncated bytes or a value version the spec lacks.
 */
export function decodeCoordinatorRecord(key: Buffer, value: Buffer | null): CoordinatorRecord | null {
  const reader = new Reader(key);
  const keyVersion = reader.readInt16();
  switch (keyVersion) {
    case 0:
    case 1: {
      const k = OffsetCommitKey.read(reader, keyVersion);
      return { type: 'offset-commit', groupId: k.group, topic: k.topic, partition: k.partition, value: decodeValue(OffsetCommitValue, value) };
    }
    case 2: {
      const k = GroupMetadataKey.read(reader, keyVersion);
      return { type: 'group-metadata', groupId: k.group, value: decodeValue(GroupMetadataValue, value) };
    }
    case 3: {
      const k = ConsumerGroupMetadataKey.read(reader, keyVersion);
      return { type: 'consumer-group-metadata', groupId: k.groupId, value: decodeValue(ConsumerGroupMetadataValue, value) };
    }
    case 4: {
      const k = ConsumerGroupPartitionMetadataKey.read(reader, keyVersion);
      return { type: 'consumer-group-partition-metadata', groupId: k.groupId, value: decodeValue(ConsumerGroupPartitionMetadataValue, value) };
    }
    case 5: {
      const k = ConsumerGroupMemberMetadataKey.read(reader, keyVersion);
      return { type: 'consumer-group-member-metadata', groupId: k.groupId, memberId: k.memberId, value: decodeValue(ConsumerGroupMemberMetadataValue, value) };
    }
    case 6: {
      const k = ConsumerGroupTargetAssignmentMetadataKey.read(reader, keyVersion);
      return { type: 'consumer-group-target-assignment-metadata', groupId: k.groupId, value: decodeValue(ConsumerGroupTargetAssignmentMetadataValue, value) };
    }
    case 7: {
      const k = ConsumerGroupTargetAssignmentMemberKey.read(reader, keyVersion);
      return { type: 'consumer-group-target-assignment-member', groupId: k.groupId, memberId: k.memberId, value: decodeValue(ConsumerGroupTargetAssignmentMemberValue, value) };
    }
    case 8: {
      const k = ConsumerGroupCurrentMemberAssignmentKey.read(reader, keyVersion);
      return { type: 'consumer-group-current-member-assignment', groupId: k.groupId, memberId: k.memberId, value: decodeValue(ConsumerGroupCurrentMemberAssignmentValue, value) };
    }
    default:
      return null;
  }
}

/** The key version at the start of a record key, or null when the key is too short to have one. */
export function coordinatorKeyVersion(key: Buffer): number | null {
  return key.length >= 2 ? key.readInt16BE(0) : null;
}




function decodeValue<T>(codec: MessageCodec<T>, value: Buffer | null): T | null {
  if (value === null) return null;
  const reader = new Reader(value);
  const version = reader.readInt16();
  if (version < codec.lowestVersion || version > codec.highestVersion) {
    throw new ProtocolError(`${codec.name} has no version ${version} (known: ${codec.lowestVersion}-${codec.highestVersion})`);
  }
  return codec.read(reader, version);
}
