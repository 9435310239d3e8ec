import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CoordinatorRecord } from '../../../src/coordinator/group/coordinator-record.js';
import { decodeCoordinatorRecord, encodeCoordinatorRecord } from '../../../src/coordinator/group/coordinator-record-codec.js';
import { ProtocolError } from '../../../src/protocol/primitives/index.js';

// Kafka's non-flexible wire types, written by hand so the expected bytes do not come from our codecs.
const i16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const i64 = (v: number): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
const str = (s: string): Buffer => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);
const nullableStr = (s: string | null): Buffer => (s === null ? i16(-1) : str(s));
const bytes = (b: Buffer): Buffer => Buffer.concat([i32(b.length), b]);
// Flexible (compact) types: lengths as unsigned varints of length + 1 (all lengths here are < 127).
const compactStr = (s: string): Buffer => Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);
const noTags = Buffer.from([0]);

const UUID = 'AAECAwQFBgcICQoLDA0ODw';

const RECORDS: readonly CoordinatorRecord[] = [
  { type: 'offset-commit', groupId: 'g', topic: 't', partition: 3, value: { offset: 42, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 } },
  { type: 'offset-commit', groupId: 'g', topic: 't', partition: 3, value: { offset: 42, leaderEpoch: -1, metadata: '', commitTimestamp: 1000, expireTimestamp: 5000 } },
  {
    type: 'group-metadata', groupId: 'g', value: {
      protocolType: 'consumer', generation: 4, protocol: 'range', leader: 'm-1', currentStateTimestamp: 1234,
      members: [{ memberId: 'm-1', groupInstanceId: 'static-1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeout: 300000, sessionTimeout: 45000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
    },
  },
  { type: 'consumer-group-metadata', groupId: 'g', value: { epoch: 9 } },
  {
    type: 'consumer-group-partition-metadata', groupId: 'g',
    value: { topics: [{ topicId: UUID, topicName: 't', numPartitions: 3, partitionMetadata: [{ partition: 0, racks: ['r1'] }] }] },
  },
  {
    type: 'consumer-group-member-metadata', groupId: 'g', memberId: 'm', value: {
      instanceId: null, rackId: 'r1', clientId: 'c', clientHost: '/10.0.0.1', subscribedTopicNames: ['t', 'u'], subscribedTopicRegex: null,
      rebalanceTimeoutMs: 30000, serverAssignor: 'uniform',
      classicMemberMetadata: { sessionTimeoutMs: 10000, supportedProtocols: [{ name: 'range', metadata: Buffer.from([9]) }] },
    },
  },
  { type: 'consumer-group-target-assignment-metadata', groupId: 'g', value: { assignmentEpoch: 9 } },
  { type: 'consumer-group-target-assignment-member', groupId: 'g', memberId: 'm', value: { topicPartitions: [{ topicId: UUID, partitions: [0, 2] }] } },
  {
    type: 'consumer-group-current-member-assignment', groupId: 'g', memberId: 'm',
    value: { memberEpoch: 9, previousMemberEpoch: 8, state: 0, assignedPartitions: [{ topicId: UUID, partitions: [1] }], partitionsPendingRevocation: [] },
  },
];

function roundTrip(record: CoordinatorRecord): CoordinatorRecord | null {
  const { key, value } = encodeCoordinatorRecord(record);
  return decodeCoordinatorRecord(key, value);
}

describe('coordinator record codec', () => {
  test('every record type and its tombstone round-trips', () => {
    for (const record of RECORDS) {
      assert.deepEqual(roundTrip(record), record, record.type);
      const tombstone = { ...record, value: null } as CoordinatorRecord;
      assert.equal(encodeCoordinatorRecord(tombstone).value, null, `${record.type} tombstone has no value`);
      assert.deepEqual(roundTrip(tombstone), tombstone, `${record.type} tombstone`);
    }
  });

  test('keys carry the key version Kafka gives each record type', () => {
    const versions = RECORDS.map((r) => encodeCoordinatorRecord(r).key.readInt16BE(0));
    assert.deepEqual(versions, [1, 1, 2, 3, 4, 5, 6, 7, 8]);
    const valueVersions = RECORDS.map((r) => encodeCoordinatorRecord(r).value!.readInt16BE(0));
    assert.deepEqual(valueVersions, [3, 1, 3, 0, 0, 0, 0, 0, 0]);
  });

  test('an offset commit is laid out as Kafka writes it: key v1, value v3', () => {
    const { key, value } = encodeCoordinatorRecord(RECORDS[0]!);
    assert.deepEqual(key, Buffer.concat([i16(1), str('g'), str('t'), i32(3)]));
    assert.deepEqual(value, Buffer.concat([i16(3), i64(42), i32(7), str('m'), i64(1000)]));
  });

  test('an offset commit with an expire timestamp is written as value v1', () => {
    const { value } = encodeCoordinatorRecord(RECORDS[1]!);
    assert.deepEqual(value, Buffer.concat([i16(1), i64(42), str(''), i64(1000), i64(5000)]));
  });

  test('group metadata is laid out as Kafka writes it: key v2, value v3', () => {
    const { key, value } = encodeCoordinatorRecord(RECORDS[2]!);
    assert.deepEqual(key, Buffer.concat([i16(2), str('g')]));
    const member = Buffer.concat([
      str('m-1'), nullableStr('static-1'), str('c'), str('/127.0.0.1'), i32(300000), i32(45000), bytes(Buffer.from([1, 2])), bytes(Buffer.from([3])),
    ]);
    assert.deepEqual(value, Buffer.concat([i16(3), str('consumer'), i32(4), nullableStr('range'), nullableStr('m-1'), i64(1234), i32(1), member]));
  });

  test('old offset commit versions decode, missing fields at their defaults', () => {
    const key0 = Buffer.concat([i16(0), str('g'), str('t'), i32(1)]);
    const v0 = Buffer.concat([i16(0), i64(10), str('meta'), i64(99)]);
    assert.deepEqual(decodeCoordinatorRecord(key0, v0), {
      type: 'offset-commit', groupId: 'g', topic: 't', partition: 1,
      value: { offset: 10, leaderEpoch: -1, metadata: 'meta', commitTimestamp: 99, expireTimestamp: -1 },
    });
    const v2 = Buffer.concat([i16(2), i64(11), str(''), i64(100)]);
    assert.deepEqual(decodeCoordinatorRecord(key0, v2)?.value, { offset: 11, leaderEpoch: -1, metadata: '', commitTimestamp: 100, expireTimestamp: -1 });
    assert.deepEqual(decodeCoordinatorRecord(key0, null), { type: 'offset-commit', groupId: 'g', topic: 't', partition: 1, value: null });
  });

  test('the flexible offset commit value (v4, KIP-915) decodes', () => {
    const key = Buffer.concat([i16(1), str('g'), str('t'), i32(0)]);
    const v4 = Buffer.concat([i16(4), i64(12), i32(3), compactStr('x'), i64(101), noTags]);
    assert.deepEqual(decodeCoordinatorRecord(key, v4)?.value, { offset: 12, leaderEpoch: 3, metadata: 'x', commitTimestamp: 101, expireTimestamp: -1 });
  });

  test('old group metadata versions decode, missing fields at their defaults', () => {
    const key = Buffer.concat([i16(2), str('g')]);
    const memberV0 = Buffer.concat([str('m'), str('c'), str('h'), i32(10000), bytes(Buffer.from([1])), bytes(Buffer.alloc(0))]);
    const v0 = Buffer.concat([i16(0), str('consumer'), i32(1), nullableStr(null), nullableStr(null), i32(1), memberV0]);
    assert.deepEqual(decodeCoordinatorRecord(key, v0), {
      type: 'group-metadata', groupId: 'g', value: {
        protocolType: 'consumer', generation: 1, protocol: null, leader: null, currentStateTimestamp: -1,
        members: [{ memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: 'h', rebalanceTimeout: -1, sessionTimeout: 10000, subscription: Buffer.from([1]), assignment: Buffer.alloc(0) }],
      },
    });
    const memberV1 = Buffer.concat([str('m'), str('c'), str('h'), i32(20000), i32(10000), bytes(Buffer.alloc(0)), bytes(Buffer.alloc(0))]);
    const v2 = Buffer.concat([i16(2), str(''), i32(0), nullableStr(null), nullableStr(null), i64(555), i32(1), memberV1]);
    const decoded = decodeCoordinatorRecord(key, v2);
    assert.ok(decoded !== null && decoded.type === 'group-metadata');
    assert.equal(decoded.value?.currentStateTimestamp, 555);
    assert.equal(decoded.value?.members[0]?.rebalanceTimeout, 20000);
  });

  test('a key version this broker does not know decodes to null (share and streams group records)', () => {
    for (const version of [9, 10, 15, 32767, -1]) {
      assert.equal(decodeCoordinatorRecord(Buffer.concat([i16(version), str('g')]), null), null, `key version ${version}`);
    }
  });

  test('a value version the spec does not define is a ProtocolError, as Kafka fails its load', () => {
    const key = encodeCoordinatorRecord(RECORDS[3]!).key;
    assert.throws(() => decodeCoordinatorRecord(key, Buffer.concat([i16(1), i32(9)])), ProtocolError);
    const offsetKey = encodeCoordinatorRecord(RECORDS[0]!).key;
    assert.throws(() => decodeCoordinatorRecord(offsetKey, Buffer.concat([i16(5), i64(1)])), ProtocolError);
  });

  test('truncated bytes are a ProtocolError', () => {
    const { key, value } = encodeCoordinatorRecord(RECORDS[0]!);
    assert.throws(() => decodeCoordinatorRecord(key.subarray(0, key.length - 1), value), ProtocolError);
    assert.throws(() => decodeCoordinatorRecord(key, value!.subarray(0, 5)), ProtocolError);
    assert.throws(() => decodeCoordinatorRecord(Buffer.from([0]), null), ProtocolError);
  });
});
