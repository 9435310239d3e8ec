import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalMetadataStore } from '../../../src/cluster/local-metadata-store.js';
import type { ProducerIdBlock } from '../../../src/cluster/metadata-store.js';
import { ProducerIdManager } from '../../../src/coordinator/producer-id-manager.js';
import { tempDir } from '../../support/storage-fixtures.js';

describe('ProducerIdManager', () => {
  test('hands out distinct ids block after block, fetching the next block before the current runs out', async () => {
    const requested: number[] = [];
    let next = 0;
    const manager = new ProducerIdManager(async (count): Promise<ProducerIdBlock> => {
      requested.push(count);
      const block = { firstProducerId: next, size: count };
      next += count;
      return block;
    }, 10);
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push(await manager.generateProducerId());
    assert.deepEqual(ids, Array.from({ length: 25 }, (_, i) => i));
    assert.deepEqual(requested, [10, 10, 10], 'the third block was fetched ahead, when the second was 90% used');
  });

  test('concurrent callers share one block fetch, and a failed fetch is retried by the next caller', async () => {
    let calls = 0;
    let fail = true;
    const manager = new ProducerIdManager(async (count) => {
      calls++;
      if (fail) throw new Error('store unavailable');
      return { firstProducerId: 500, size: count };
    }, 100);
    await assert.rejects(manager.generateProducerId(), /store unavailable/);
    fail = false;
    calls = 0;
    const ids = await Promise.all(Array.from({ length: 5 }, () => manager.generateProducerId()));
    assert.deepEqual(ids.sort((a, b) => a - b), [500, 501, 502, 503, 504]);
    assert.equal(calls, 1);
  });

  test('ids reserved through the local metadata store are never reused after a restart', async (t) => {
    const dir = tempDir(t);
    const first = new LocalMetadataStore(dir);
    await first.load();
    const before = new ProducerIdManager((count) => first.allocateProducerIds(count), 1000);
    assert.equal(await before.generateProducerId(), 0);
    assert.equal(await before.generateProducerId(), 1);
    await first.close();

    const second = new LocalMetadataStore(dir);
    await second.load();
    const after = new ProducerIdManager((count) => second.allocateProducerIds(count), 1000);
    assert.equal(await after.generateProducerId(), 1000);
    assert.deepEqual(await second.allocateProducerIds(5), { firstProducerId: 2000, size: 5 });
    await second.putTopics([]);
    const third = new LocalMetadataStore(dir);
    await third.load();
    assert.deepEqual(await third.allocateProducerIds(1), { firstProducerId: 2005, size: 1 }, 'topic writes keep the reservation');
  });
});
