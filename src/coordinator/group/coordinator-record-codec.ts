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

export function encodeCoordinatorRecord(record: CoordinatorRecord): EncodedCoordinatorRecord {
  switch (record.type) {
    case 'offset-commit': {
      const key = encodeKey(OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION, { group: record.groupId, topic: record.topic, partition: record.partition });
      if (record.value === null) return { key, value: null };
      const version = record.value.expireTimestamp !== -1 ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
      return { key, value: encodeValue(OffsetCommitValue, version, record.value) };
    }
    case 'group-metadata':
      return {
        key: encodeKey(GroupMetadataKey, GroupMetadataKey.lowestVersion, { group: record.groupId }),
        value: record.value === null ? null : encodeValue(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, record.value),
      };
    case 'consumer-group-metadata':
      return {
        key: encodeKey(ConsumerGroupMetadataKey, ConsumerGroupMetadataKey.lowestVersion, { groupId: record.groupId }),
        value: consumerGroupValue(ConsumerGroupMetadataValue, record.value),
      };
    case 'consumer-group-partition-metadata':
      return {
        key: encodeKey(ConsumerGroupPartitionMetadataKey, ConsumerGroupPartitionMetadataKey.lowestVersion, { groupId: record.groupId }),
        value: consumerGroupValue(ConsumerGroupPartitionMetadataValue, record.value),
      };
    case 'consumer-group-member-metadata':
      return {
        key: encodeKey(ConsumerGroupMemberMetadataKey, ConsumerGroupMemberMetadataKey.lowestVersion, { groupId: record.groupId, memberId: record.memberId }),
        value: consumerGroupValue(ConsumerGroupMemberMetadataValue, record.value),
      };
    case 'consumer-group-target-assignment-metadata':
      return {
        key: encodeKey(ConsumerGroupTargetAssignmentMetadataKey, ConsumerGroupTargetAssignmentMetadataKey.lowestVersion, { groupId: record.groupId }),
        value: consumerGroupValue(ConsumerGroupTargetAssignmentMetadataValue, record.value),
      };
    case 'consumer-group-target-assignment-member':
      return {
        key: encodeKey(ConsumerGroupTargetAssignmentMemberKey, ConsumerGroupTargetAssignmentMemberKey.lowestVersion, { groupId: record.groupId, memberId: record.memberId }),
        value: consumerGroupValue(ConsumerGroupTargetAssignmentMemberValue, record.value),
      };
    case 'consumer-group-current-member-assignment':
      return {
        key: encodeKey(ConsumerGroupCurrentMemberAssignmentKey, ConsumerGroupCurrentMemberAssignmentKey.lowestVersion, { groupId: record.groupId, memberId: record.memberId }),
        value: consumerGroupValue(ConsumerGroupCurrentMemberAssignmentValue, record.value),
      };
  }
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

function encodeKey<T>(codec: MessageCodec<T>, version: number, key: T): Buffer {
  const w = new Writer(64);
  w.writeInt16(version);
  codec.write(w, key, version);
  return w.toBuffer();
}

function encodeValue<T>(codec: MessageCodec<T>, version: number, value: T): Buffer {
  const w = new Writer(128);
  w.writeInt16(version);
  codec.write(w, value, version);
  return w.toBuffer();
}

function consumerGroupValue<T>(codec: MessageCodec<T>, value: T | null): Buffer | null {
  return value === null ? null : encodeValue(codec, CONSUMER_GROUP_VALUE_VERSION, value);
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
