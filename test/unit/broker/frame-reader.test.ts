import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameMemory } from '../../../src/broker/frame-memory.js';
import { type Frame, FrameReader } from '../../../src/broker/frame-reader.js';
import { BufferPool } from '../../../src/broker/buffer-pool.js';
import { FrameSizeError } from '../../../src/protocol/frame-decoder.js';

const PRODUCE = 0;
const FETCH = 1;

/** A frame of API `apiKey` with `bodyBytes` bytes after the size prefix, the rest random. */
function frame(apiKey: number, bodyBytes: number): Buffer {
  const f = randomBytes(4 + bodyBytes);
  f.writeInt32BE(bodyBytes, 0);
  if (bodyBytes >= 2) f.writeInt16BE(apiKey, 4);
  return f;
}

function drain(reader: FrameReader): Frame[] {
  const frames: Frame[] = [];
  for (let f = reader.next(); f !== null; f = reader.next()) frames.push(f);
  return frames;
}

/**
 * Feeds `stream` as a socket with direct reads would: each read fills the reader's target with
 * at most the next of `readBytes` (the kernel's share, cycling), and the scratch buffer is
 * scribbled over afterwards, as the next read of another connection would.
 */
function feedDirect(reader: FrameReader, memory: FrameMemory, stream: Buffer, readBytes: number | readonly number[]): void {
  const sizes = typeof readBytes === 'number' ? [readBytes] : readBytes;
  let at = 0;
  for (let i = 0; at < stream.length; i++) {
    const target = reader.readTarget();
    const count = Math.min(target.length, sizes[i % sizes.length]!, stream.length - at);
    stream.copy(target, 0, at, at + count);
    reader.onRead(target, count);
    memory.scratch.fill(0xee);
    at += count;
  }
}

/** Feeds `stream` as 'data' chunks of the next of `readBytes` (cycling), each scribbled over once pushed. */
function feedChunks(reader: FrameReader, stream: Buffer, readBytes: readonly number[]): void {
  let at = 0;
  for (let i = 0; at < stream.length; i++) {
    const chunk = Buffer.from(stream.subarray(at, at + readBytes[i % readBytes.length]!));
    reader.push(chunk);
    chunk.fill(0xee);
    at += chunk.length;
  }
}

describe('FrameReader', () => {
  test('frames come out whole and intact whatever the read sizes, and survive the scratch being reused', () => {
    for (const readBytes of [1, 3, 5, 7, 100, 4096, 65536, 1 << 20]) {
      const memory = new FrameMemory({ scratchBytes: 8192 });
      const reader = new FrameReader(1 << 22, memory);
      const sent = [frame(PRODUCE, 0), frame(FETCH, 1), frame(PRODUCE, 2), frame(FETCH, 100), frame(PRODUCE, 4000), frame(PRODUCE, 100_000), frame(FETCH, 70_000), frame(PRODUCE, 5)];
      feedDirect(reader, memory, Buffer.concat(sent), readBytes);
      const got = drain(reader);
      assert.equal(got.length, sent.length, `read size ${readBytes}`);
      got.forEach((f, i) => assert.deepEqual(f.bytes, sent[i]!.subarray(4), `frame ${i}, read size ${readBytes}`));
      for (const f of got) reader.release(f);
      assert.equal(memory.reserved, 0);
    }
  });

  test('the rest of a large frame is read in place, the scratch takes the rest', () => {
    const memory = new FrameMemory({ scratchBytes: 8192 });
    const reader = new FrameReader(1 << 22, memory);
    assert.equal(reader.readTarget(), memory.scratch);
    const big = frame(PRODUCE, 200_000);
    big.copy(memory.scratch, 0, 0, 8192);
    reader.onRead(memory.scratch, 8192);
    const target = reader.readTarget();
    assert.notEqual(target, memory.scratch);
    assert.equal(target.length, 200_004 - 8192, 'exactly the rest of the frame');
    big.copy(target, 0, 8192);
    reader.onRead(target, target.length);
    assert.equal(reader.readTarget(), memory.scratch);
    const [got] = drain(reader);
    assert.deepEqual(got!.bytes, big.subarray(4));
    assert.equal(got!.bytes.buffer, target.buffer, 'read in place: no copy of the rest');
  });

  test('Produce frames over 4 KiB live in pooled buffers, reused once released; others own their memory', () => {
    const memory = new FrameMemory({ pool: new BufferPool(2, 1 << 20) });
    const reader = new FrameReader(1 << 22, memory);
    reader.push(frame(PRODUCE, 100_000));
    const [produce] = drain(reader);
    assert.ok(produce!.pooled !== null && produce!.bytes.buffer === produce!.pooled.buffer);
    assert.equal(memory.reserved, 100_000);
    reader.release(produce!);
    assert.equal(memory.reserved, 0);
    reader.push(frame(PRODUCE, 90_000));
    const [again] = drain(reader);
    assert.equal(again!.pooled, produce!.pooled, 'the released buffer is reused');
    reader.push(frame(FETCH, 90_000));
    reader.push(frame(PRODUCE, 100));
    reader.push(frame(PRODUCE, 2 << 20));
    const [fetch, small, huge] = drain(reader);
    assert.equal(fetch!.pooled, null, 'a Fetch request gets a buffer of its own');
    assert.equal(small!.pooled, null, 'a small Produce request is copied into a buffer of its own');
    assert.equal(huge!.pooled, null, 'too large to pool');
    assert.equal(huge!.bytes.length, 2 << 20);
  });

  test('past the budget, a frame is collected as its bytes arrive instead of being allocated whole', () => {
    const memory = new FrameMemory({ scratchBytes: 4096, budgetBytes: 150_000 });
    const first = new FrameReader(1 << 22, memory);
    const second = new FrameReader(1 << 22, memory);
    const a = frame(PRODUCE, 100_000);
    const b = frame(PRODUCE, 100_000);
    feedDirect(first, memory, a.subarray(0, 10_000), 4096);
    assert.equal(memory.reserved, 100_000);
    feedDirect(second, memory, b.subarray(0, 10_000), 4096);
    assert.equal(second.readTarget(), memory.scratch, 'no room in the budget: nothing to read into in place');
    feedDirect(second, memory, b.subarray(10_000), 4096);
    const [fromSecond] = drain(second);
    assert.deepEqual(fromSecond!.bytes, b.subarray(4));
    assert.equal(fromSecond!.reserved, 0);
    first.dispose();
    assert.equal(memory.reserved, 0, 'a closed connection gives its partial frame back');
  });

  test('any frames, any read sizes, any budget: each frame comes out once, whole, in order, and the budget comes back', () => {
    const frameArb = fc.record({ apiKey: fc.constantFrom(PRODUCE, FETCH), size: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 4000, max: 70_000 })) });
    fc.assert(fc.property(
      fc.array(frameArb, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 0, max: 200_000 }), fc.boolean(),
      (specs, readSizes, budgetBytes, direct) => {
        const memory = new FrameMemory({ scratchBytes: 8192, budgetBytes, pool: new BufferPool(2, 64 * 1024) });
        const reader = new FrameReader(1 << 20, memory);
        const sent = specs.map((f) => frame(f.apiKey, f.size));
        const stream = Buffer.concat(sent);
        if (direct) feedDirect(reader, memory, stream, readSizes);
        else feedChunks(reader, stream, readSizes);
        const got = drain(reader);
        assert.equal(got.length, sent.length);
        got.forEach((f, i) => assert.ok(f.bytes.equals(sent[i]!.subarray(4)), `frame ${i}`));
        assert.ok(memory.reserved <= budgetBytes);
        for (const f of got) reader.release(f);
        assert.equal(memory.reserved, 0);
      },
    ), { seed: 20251125, numRuns: 300 });
  });

  test('a bad size prefix fails only after the frames before it are taken', () => {
    const memory = new FrameMemory();
    const reader = new FrameReader(1000, memory);
    const bad = Buffer.alloc(4);
    bad.writeInt32BE(-5);
    reader.push(Buffer.concat([frame(FETCH, 10), bad, frame(FETCH, 10)]));
    assert.equal(reader.next()!.bytes.length, 10);
    assert.throws(() => reader.next(), FrameSizeError);
    const tooLarge = new FrameReader(1000, memory);
    tooLarge.push(frame(FETCH, 1001).subarray(0, 6));
    assert.throws(() => tooLarge.next(), /request size 1001 is outside \[0, 1000\]/);
    assert.equal(memory.reserved, 0, 'nothing was allocated for it');
  });
});
