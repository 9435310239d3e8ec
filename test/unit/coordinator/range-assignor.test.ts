import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PartitionAssignorError } from '../../../src/coordinator/group/assignors/partition-assignor.js';
import { RangeAssignor } from '../../../src/coordinator/group/assignors/range-assignor.js';
import {
  assertBalancedPerTopic, assertCompleteAndExclusive, describer, groupCase, plain, spec, withOwned,
} from './assignor-fixtures.js';

const assignor = new RangeAssignor();

test('the range assignor is named as Kafka names it', () => {
  assert.equal(assignor.name, 'range');
});

test('each topic is cut into contiguous ranges, the first members taking one more', () => {
  const counts = { t1: 7 };
  const group = spec(['a', 'b', 'c'].map((id) => ({ id, topics: ['t1'] })));
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), {
    a: { t1: [0, 1, 2] }, b: { t1: [3, 4] }, c: { t1: [5, 6] },
  });
});

test('co-partitioned topics: a member gets the same partition numbers of every topic', () => {
  const counts = { orders: 4, payments: 4 };
  const group = spec(['a', 'b'].map((id) => ({ id, topics: ['orders', 'payments'] })));
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), {
    a: { orders: [0, 1], payments: [0, 1] }, b: { orders: [2, 3], payments: [2, 3] },
  });
});

test('static members come first, by instance id, so a restarted one gets its ranges back', () => {
  const counts = { t1: 4 };
  const before = assignor.assign(spec([
    { id: 'zzz', topics: ['t1'], instanceId: 'instance-1' },
    { id: 'aaa', topics: ['t1'] },
  ]), describer(counts));
  assert.deepEqual(plain(before), { zzz: { t1: [0, 1] }, aaa: { t1: [2, 3] } });
  const after = assignor.assign(spec([
    { id: '000-restarted', topics: ['t1'], instanceId: 'instance-1' },
    { id: 'aaa', topics: ['t1'] },
  ]), describer(counts));
  assert.deepEqual(plain(after), { '000-restarted': { t1: [0, 1] }, aaa: { t1: [2, 3] } });
});

test('heterogeneous: each topic is split among its own subscribers only', () => {
  const counts = { t1: 3, t2: 2 };
  const group = spec([{ id: 'a', topics: ['t1', 't2'] }, { id: 'b', topics: ['t1'] }, { id: 'c', topics: ['t2'] }]);
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), {
    a: { t1: [0, 1], t2: [0] }, b: { t1: [2] }, c: { t2: [1] },
  });
});

test('more members than partitions: the last members get nothing', () => {
  const counts = { t1: 2 };
  const group = spec(['a', 'b', 'c'].map((id) => ({ id, topics: ['t1'] })));
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), { a: { t1: [0] }, b: { t1: [1] }, c: {} });
});

test('a subscribed topic missing from the metadata is an assignor error', () => {
  assert.throws(() => assignor.assign(spec([{ id: 'a', topics: ['gone'] }]), describer({})), PartitionAssignorError);
});

test('property: complete, exclusive, only to subscribers, and balanced within each topic', () => {
  fc.assert(fc.property(fc.boolean().chain((homogeneous) => groupCase({ homogeneous })), ({ partitionCounts, members }) => {
    const group = spec(members);
    const result = assignor.assign(group, describer(partitionCounts));
    assertCompleteAndExclusive(group, partitionCounts, result);
    assertBalancedPerTopic(group, result);
  }), { numRuns: 300 });
});

test('property: the same members get the same ranges whatever they currently own', () => {
  fc.assert(fc.property(groupCase({ homogeneous: false }), ({ partitionCounts, members }) => {
    const first = assignor.assign(spec(members), describer(partitionCounts));
    const second = assignor.assign(spec(withOwned(members, first)), describer(partitionCounts));
    assert.deepEqual(plain(second), plain(first));
  }), { numRuns: 200 });
});
