import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BufferPool } from '../../../src/broker/buffer-pool.js';
import { ResponseBuffers } from '../../../src/broker/response-buffers.js';

describe('BufferPool', () => {
  test('keeps at most its bound of free buffers and refuses sizes above its largest', () => {
    const pool = new BufferPool(2, 1 << 20);
    const bufs = [pool.acquire(1000)!, pool.acquire(1000)!, pool.acquire(1000)!];
    for (const b of bufs) pool.release(b);
    assert.equal(pool.freeCount, 2);
    assert.equal(pool.acquire(2 << 20), null);
    assert.equal(pool.acquire(5000), bufs[1], 'a released buffer is handed out again');
  });
});

describe('ResponseBuffers', () => {
  test('large reads borrow pooled buffers until release; small ones come from Node', () => {
    const pool = new BufferPool(4, 1 << 20);
    const first = new ResponseBuffers(pool);
    const small = first.allocate(100);
    assert.equal(small.length, 100);
    assert.ok(first.isEmpty, 'nothing borrowed for a small read');
    const large = first.allocate(100_000);
    assert.equal(large.length, 100_000);
    assert.ok(!first.isEmpty);
    const second = new ResponseBuffers(pool);
    assert.notEqual(second.allocate(100_000).buffer, large.buffer, 'not lent twice while borrowed');
    first.release();
    assert.equal(pool.freeCount, 1);
    assert.equal(new ResponseBuffers(pool).allocate(50_000).buffer, large.buffer, 'reused after release');
    const tooLarge = new ResponseBuffers(pool);
    assert.equal(tooLarge.allocate(2 << 20).length, 2 << 20);
    assert.ok(tooLarge.isEmpty, 'too large to pool: a buffer of its own');
  });
});
