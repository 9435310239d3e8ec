import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameDecoder, FrameTooLargeError } from '../../../src/broker/frame-decoder.js';
import { RequestBufferPool } from '../../../src/broker/request-buffer-pool.js';

function frame(apiKey: number, bodyBytes: number): Buffer {
  const f = Buffer.alloc(4 + bodyBytes, 7);
  f.writeInt32BE(bodyBytes, 0);
  f.writeInt16BE(apiKey, 4);
  return f;
}

function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('FrameDecoder', () => {
  test('a frame within one read is a view of that read; one spanning reads is assembled whole', () => {
    const decoder = new FrameDecoder(1 << 20);
    const small = frame(3, 100);
    decoder.push(small);
    const got = decoder.next()!;
    assert.equal(got.buffer, small.buffer, 'no copy');
    assert.equal(got.length, 100);
    const big = frame(3, 5000);
    for (const c of chunksOf(big, 333)) decoder.push(c);
    assert.deepEqual(decoder.next(), big.subarray(4));
    assert.equal(decoder.next(), null);
  });

  test('Produce frames spanning reads are assembled in pooled buffers, others are not', () => {
    const pool = new RequestBufferPool(2, 1 << 20);
    const decoder = new FrameDecoder(1 << 22, { acquire: (apiKey, size) => (apiKey === 0 ? pool.acquire(size) : null) });
    for (const c of chunksOf(frame(0, 100_000), 4096)) decoder.push(c);
    const produce = decoder.next()!;
    const backing = decoder.lastFrameBacking;
    assert.ok(backing !== null && produce.buffer === backing.buffer, 'assembled in the pooled buffer');
    pool.release(backing);
    for (const c of chunksOf(frame(0, 90_000), 4096)) decoder.push(c);
    decoder.next();
    assert.equal(decoder.lastFrameBacking, backing, 'the released buffer is reused');
    for (const c of chunksOf(frame(1, 90_000), 4096)) decoder.push(c);
    decoder.next();
    assert.equal(decoder.lastFrameBacking, null, 'a Fetch request gets a buffer of its own');
    for (const c of chunksOf(frame(0, 2 << 20), 65536)) decoder.push(c);
    assert.equal(decoder.next()!.length, 2 << 20);
    assert.equal(decoder.lastFrameBacking, null, 'too large to pool');
  });

  test('the pool keeps at most its bound of free buffers', () => {
    const pool = new RequestBufferPool(2, 1 << 20);
    const bufs = [pool.acquire(1000)!, pool.acquire(1000)!, pool.acquire(1000)!];
    for (const b of bufs) pool.release(b);
    assert.equal(pool.freeCount, 2);
    assert.equal(pool.acquire(2 << 20), null);
  });

  test('a size prefix above the limit is refused before anything is allocated', () => {
    const decoder = new FrameDecoder(1000);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(0x7fffffff);
    decoder.push(prefix);
    assert.throws(() => decoder.next(), FrameTooLargeError);
  });
});
