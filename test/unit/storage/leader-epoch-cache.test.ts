import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LeaderEpochCache } from '../../../src/storage/leader-epoch-cache.js';

test('end offsets per epoch follow Kafka: latest, older, older than all, newer than all', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-epochs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cache = new LeaderEpochCache(dir);
  assert.deepEqual(cache.endOffsetFor(0, 10), { epoch: -1, endOffset: -1 }, 'no epochs known');
  cache.assign(2, 5);
  cache.assign(4, 20);
  cache.assign(7, 31);
  assert.deepEqual(cache.endOffsetFor(7, 40), { epoch: 7, endOffset: 40 }, 'the latest epoch ends at the log end');
  assert.deepEqual(cache.endOffsetFor(4, 40), { epoch: 4, endOffset: 31 });
  assert.deepEqual(cache.endOffsetFor(5, 40), { epoch: 4, endOffset: 31 }, 'an unknown epoch between two answers the lower');
  assert.deepEqual(cache.endOffsetFor(1, 40), { epoch: 1, endOffset: 5 }, 'older than all: itself, ending where the first known starts');
  assert.deepEqual(cache.endOffsetFor(9, 40), { epoch: -1, endOffset: -1 }, 'newer than all: undefined');
  assert.deepEqual(cache.endOffsetFor(-1, 40), { epoch: -1, endOffset: -1 });
  assert.deepEqual(new LeaderEpochCache(dir).all, cache.all, 'persisted');
});
