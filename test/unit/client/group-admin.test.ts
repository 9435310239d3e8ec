import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AssignerProtocol } from 'kafkajs';
import { decodeConsumerAssignment } from '../../../src/client/group-admin.js';
import { ConsumerProtocolAssignment } from '../../../src/protocol/generated/index.js';

function withVersion(version: number, body: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeInt16BE(version);
  return Buffer.concat([prefix, body]);
}

describe('decodeConsumerAssignment', () => {
  test('reads the assignment kafkajs members send, topics and partitions sorted', () => {
    const bytes = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { orders: [3, 1], audit: [0] }, userData: Buffer.from('x') });
    assert.deepEqual(decodeConsumerAssignment(bytes), [
      { topic: 'audit', partitions: [0] },
      { topic: 'orders', partitions: [1, 3] },
    ]);
  });

  test('reads every version the codec knows, and a newer one as the newest it knows', () => {
    const assignment = { assignedPartitions: [{ topic: 't', partitions: [0, 2] }], userData: null };
    for (let version = 0; version <= ConsumerProtocolAssignment.highestVersion; version++) {
      assert.deepEqual(decodeConsumerAssignment(withVersion(version, ConsumerProtocolAssignment.encode(assignment, version))), [{ topic: 't', partitions: [0, 2] }], `v${version}`);
    }
    const newest = ConsumerProtocolAssignment.encode(assignment, ConsumerProtocolAssignment.highestVersion);
    const future = withVersion(ConsumerProtocolAssignment.highestVersion + 4, Buffer.concat([newest, Buffer.from([1, 2, 3])]));
    assert.deepEqual(decodeConsumerAssignment(future), [{ topic: 't', partitions: [0, 2] }]);
  });

  test('a member between rebalances owns nothing; bytes of another protocol give null', () => {
    assert.deepEqual(decodeConsumerAssignment(Buffer.alloc(0)), []);
    assert.equal(decodeConsumerAssignment(Buffer.from([0])), null);
    assert.equal(decodeConsumerAssignment(Buffer.from([0xff, 0xff, 0, 0])), null, 'a negative version');
    assert.equal(decodeConsumerAssignment(withVersion(0, Buffer.from([0, 0, 0, 9, 0, 3]))), null, 'truncated');
  });
});
