import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameDecoder, FrameSizeError } from '../../../src/protocol/frame-decoder.js';

function frame(bodyBytes: number): Buffer {
  const f = Buffer.alloc(4 + bodyBytes, 7);
  f.writeInt32BE(bodyBytes, 0);
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
    const small = frame(100);
    decoder.push(small);
    const got = decoder.next()!;
    assert.equal(got.buffer, small.buffer, 'no copy');
    assert.equal(got.length, 100);
    const big = frame(5000);
    for (const c of chunksOf(big, 333)) decoder.push(c);
    assert.deepEqual(decoder.next(), big.subarray(4));
    assert.equal(decoder.next(), null);
  });

  test('a size prefix split across reads, and an empty frame', () => {
    const decoder = new FrameDecoder(1 << 20);
    const both = Buffer.concat([frame(0), frame(3)]);
    for (const c of chunksOf(both, 1)) decoder.push(c);
    assert.equal(decoder.next()!.length, 0);
    assert.deepEqual(decoder.next(), Buffer.from([7, 7, 7]));
    assert.equal(decoder.next(), null);
  });

  test('a size prefix outside the bounds is refused before anything is allocated', () => {
    const decoder = new FrameDecoder(1000);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(0x7fffffff);
    decoder.push(prefix);
    assert.throws(() => decoder.next(), FrameSizeError);
    const responses = new FrameDecoder(1000, 4);
    responses.push(frame(2));
    assert.throws(() => responses.next(), /frame size 2 is outside \[4, 1000\]/);
  });
});
