import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PartitionAssignorError } from '../../../src/coordinator/group/assignors/partition-assignor.js';
import { UniformAssignor } from '../../../src/coordinator/group/assignors/uniform-assignor.js';
import {
  assertBalancedPerTopic, assertBalancedTotals, assertCompleteAndExclusive, describer, groupCase, plain, spec, total, withOwned,
} from './assignor-fixtures.js';

const assignor = new UniformAssignor();

test('the uniform assignor is named as Kafka names it', () => {
  assert.equal(assignor.name, 'uniform');
});

test('a group without members gets no assignment', () => {
  assert.equal(assignor.assign({ members: [], isHomogeneous: true }, describer({})).size, 0);
});

test('members subscribed to nothing get empty assignments', () => {
  const result = assignor.assign(spec([{ id: 'a', topics: [] }, { id: 'b', topics: [] }]), describer({}));
  assert.deepEqual(plain(result), { a: {}, b: {} });
});

test('homogeneous: partitions of all topics are pooled and spread evenly', () => {
  const counts = { t1: 3, t2: 3 };
  const group = spec(['a', 'b', 'c'].map((id) => ({ id, topics: ['t1', 't2'] })));
  const result = assignor.assign(group, describer(counts));
  assertCompleteAndExclusive(group, counts, result);
  for (const id of ['a', 'b', 'c']) assert.equal(total(result.get(id)), 2);
});

test('homogeneous: a balanced assignment is kept exactly as it is', () => {
  const counts = { t1: 4 };
  const owned = { a: { t1: [0, 3] }, b: { t1: [1, 2] } };
  const group = spec([{ id: 'a', topics: ['t1'], owned: owned.a }, { id: 'b', topics: ['t1'], owned: owned.b }]);
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), owned);
});

test('homogeneous: a joining member takes only what it needs from the others', () => {
  const counts = { t1: 6 };
  const group = spec([
    { id: 'a', topics: ['t1'], owned: { t1: [0, 1, 2] } },
    { id: 'b', topics: ['t1'], owned: { t1: [3, 4, 5] } },
    { id: 'c', topics: ['t1'] },
  ]);
  const result = plain(assignor.assign(group, describer(counts)));
  assert.equal(result.a!.t1!.length, 2);
  assert.equal(result.b!.t1!.length, 2);
  assert.equal(result.c!.t1!.length, 2);
  assert.ok(result.a!.t1!.every((p) => [0, 1, 2].includes(p)), 'a keeps its own');
  assert.ok(result.b!.t1!.every((p) => [3, 4, 5].includes(p)), 'b keeps its own');
});

test('homogeneous: when a member leaves, the survivors keep all they had', () => {
  const counts = { t1: 6 };
  const group = spec([
    { id: 'a', topics: ['t1'], owned: { t1: [0, 1] } },
    { id: 'b', topics: ['t1'], owned: { t1: [2, 3] } },
  ]);
  const result = plain(assignor.assign(group, describer(counts)));
  assert.deepEqual(result.a!.t1!.filter((p) => p < 2), [0, 1]);
  assert.deepEqual(result.b!.t1!.filter((p) => p >= 2 && p < 4), [2, 3]);
  assert.equal(result.a!.t1!.length + result.b!.t1!.length, 6);
});

test('homogeneous: the extra partition stays with the member that already holds it', () => {
  const counts = { t1: 3 };
  const group = spec([
    { id: 'a', topics: ['t1'], owned: { t1: [0] } },
    { id: 'b', topics: ['t1'], owned: { t1: [1, 2] } },
  ]);
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), { a: { t1: [0] }, b: { t1: [1, 2] } });
});

test('more members than partitions: each partition goes to one member, the rest get nothing', () => {
  const counts = { t1: 2 };
  const group = spec(['a', 'b', 'c', 'd'].map((id) => ({ id, topics: ['t1'] })));
  const result = assignor.assign(group, describer(counts));
  assertCompleteAndExclusive(group, counts, result);
  assert.deepEqual([...result.values()].map(total).sort(), [0, 0, 1, 1]);
});

test('partitions of an unsubscribed topic or beyond the partition count are taken away', () => {
  const counts = { t1: 2 };
  const group = spec([{ id: 'a', topics: ['t1'], owned: { t1: [0, 1, 5], old: [0] } }]);
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), { a: { t1: [0, 1] } });
});

test('heterogeneous: a topic goes only to its subscribers, evenly among them', () => {
  const counts = { t1: 4, t2: 3 };
  const group = spec([{ id: 'a', topics: ['t1', 't2'] }, { id: 'b', topics: ['t1'] }, { id: 'c', topics: ['t2'] }]);
  assert.equal(group.isHomogeneous, false);
  const result = assignor.assign(group, describer(counts));
  assertCompleteAndExclusive(group, counts, result);
  assertBalancedPerTopic(group, result);
  assert.equal(result.get('b')!.get('t2'), undefined);
  assert.equal(result.get('c')!.get('t1'), undefined);
});

test('heterogeneous: single-partition topics are spread so member loads even out', () => {
  const counts = { t1: 1, t2: 1, t3: 1, t4: 1, x: 2 };
  const group = spec([
    { id: 'a', topics: ['t1', 't2', 't3', 't4'], owned: { t1: [0], t2: [0], t3: [0], t4: [0] } },
    { id: 'b', topics: ['t1', 't2', 't3', 't4', 'x'] },
  ]);
  const result = assignor.assign(group, describer(counts));
  assertCompleteAndExclusive(group, counts, result);
  assertBalancedPerTopic(group, result);
  assert.equal(total(result.get('a')), 3);
  assert.equal(total(result.get('b')), 3);
});

test('heterogeneous: a member keeps its partitions when the split allows it', () => {
  const counts = { t1: 4, t2: 2 };
  const group = spec([
    { id: 'a', topics: ['t1', 't2'], owned: { t1: [0, 1], t2: [0] } },
    { id: 'b', topics: ['t1'], owned: { t1: [2, 3] } },
    { id: 'c', topics: ['t2'], owned: { t2: [1] } },
  ]);
  assert.deepEqual(plain(assignor.assign(group, describer(counts))), {
    a: { t1: [0, 1], t2: [0] }, b: { t1: [2, 3] }, c: { t2: [1] },
  });
});

test('a subscribed topic missing from the metadata is an assignor error', () => {
  assert.throws(() => assignor.assign(spec([{ id: 'a', topics: ['gone'] }]), describer({})), PartitionAssignorError);
});

test('property: every subscribed partition is assigned exactly once, to a subscriber; homogeneous totals within one', () => {
  fc.assert(fc.property(groupCase({ homogeneous: true }), ({ partitionCounts, members }) => {
    const group = spec(members);
    const result = assignor.assign(group, describer(partitionCounts));
    assertCompleteAndExclusive(group, partitionCounts, result);
    assertBalancedTotals(group, result);
  }), { numRuns: 300 });
});

test('property: heterogeneous groups are complete, exclusive and balanced within each topic', () => {
  fc.assert(fc.property(groupCase({ homogeneous: false }), ({ partitionCounts, members }) => {
    const group = spec(members);
    const result = assignor.assign(group, describer(partitionCounts));
    assertCompleteAndExclusive(group, partitionCounts, result);
    if (group.isHomogeneous) assertBalancedTotals(group, result);
    else assertBalancedPerTopic(group, result);
  }), { numRuns: 300 });
});

test('property: assigning again from its own result changes nothing (sticky)', () => {
  fc.assert(fc.property(fc.boolean().chain((homogeneous) => groupCase({ homogeneous })), ({ partitionCounts, members }) => {
    const first = assignor.assign(spec(members), describer(partitionCounts));
    const second = assignor.assign(spec(withOwned(members, first)), describer(partitionCounts));
    assert.deepEqual(plain(second), plain(first));
  }), { numRuns: 300 });
});

test('property: a member joining a balanced homogeneous group moves no more partitions than it receives', () => {
  fc.assert(fc.property(groupCase({ homogeneous: true }), ({ partitionCounts, members }) => {
    const before = assignor.assign(spec(members), describer(partitionCounts));
    const joined = [...withOwned(members, before), { id: 'zz-new', topics: members[0]!.topics }];
    const after = assignor.assign(spec(joined), describer(partitionCounts));
    let moved = 0;
    for (const m of members) {
      for (const [topicId, partitions] of before.get(m.id)!) {
        for (const p of partitions) if (after.get(m.id)!.get(topicId)?.has(p) !== true) moved++;
      }
    }
    assert.equal(moved, total(after.get('zz-new')));
  }), { numRuns: 200 });
});
