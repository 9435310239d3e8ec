import { test } from 'node:test';
import assert from 'node:assert/strict';
import binding from 'zstd-napi/binding.js';
import { compress, COMPRESSION_ZSTD, decompress } from '../../../../src/protocol/compression/index.js';
import { ProtocolError } from '../../../../src/protocol/primitives/index.js';

const DATA = Buffer.from('{"user":42,"event":"click","page":"/home"}\n'.repeat(5000));

function isProtocolError(err: unknown): boolean {
  return err instanceof ProtocolError;
}

/**
 * A frame as a streaming compressor writes it: fed in pieces, with no content size in the
 * header, as Java's and librdkafka's zstd streams do.
 */
function streamingFrame(data: Buffer, pieceBytes: number): Buffer {
  const cctx = new binding.CCtx();
  cctx.setParameter(binding.CParameter.contentSizeFlag, 0);
  const out = Buffer.alloc(binding.compressBound(data.length) + 1024);
  let written = 0;
  for (let start = 0; start < data.length; start += pieceBytes) {
    const isLast = start + pieceBytes >= data.length;
    let src = data.subarray(start, start + pieceBytes);
    while (true) {
      const directive = isLast ? binding.EndDirective.end : binding.EndDirective.continue;
      const [remaining, produced, consumed] = cctx.compressStream2(out.subarray(written), src, directive);
      written += produced;
      src = src.subarray(consumed);
      if (src.length === 0 && (!isLast || remaining === 0)) break;
    }
  }
  return out.subarray(0, written);
}

function skippableFrame(payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50, 0);
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('zstd decompresses a streamed frame that declares no content size', () => {
  const frame = streamingFrame(DATA, 4096);
  assert.equal(binding.getFrameContentSize(frame), null);
  assert.deepEqual(decompress(COMPRESSION_ZSTD, frame), DATA);
});

test('zstd decompresses concatenated frames, with and without sizes, and skippable frames', () => {
  const input = Buffer.concat([
    compress(COMPRESSION_ZSTD, DATA.subarray(0, 1000)),
    skippableFrame(Buffer.from('ignored')),
    streamingFrame(DATA.subarray(1000), 777),
  ]);
  assert.deepEqual(decompress(COMPRESSION_ZSTD, input), DATA);
});

test('zstd refuses a streamed frame cut short instead of returning the part it decoded', () => {
  const frame = streamingFrame(DATA, 4096);
  for (const cut of [1, 5, frame.length >> 1, frame.length - 1]) {
    assert.throws(() => decompress(COMPRESSION_ZSTD, frame.subarray(0, cut)), isProtocolError, `cut at ${cut}`);
  }
});

test('zstd refuses a frame whose declared size exceeds the limit before allocating it', () => {
  const frame = compress(COMPRESSION_ZSTD, DATA);
  assert.equal(binding.getFrameContentSize(frame), DATA.length);
  assert.throws(() => decompress(COMPRESSION_ZSTD, frame, DATA.length - 1), /declares/);
});

test('zstd stops a streamed frame once its output passes the limit', () => {
  const zeros = Buffer.alloc(8 << 20);
  const frame = streamingFrame(zeros, 1 << 20);
  assert.ok(frame.length < 4096, `8 MiB of zeros streamed into ${frame.length} bytes`);
  assert.throws(() => decompress(COMPRESSION_ZSTD, frame, 1 << 20), /exceeds the limit/);
  assert.equal(decompress(COMPRESSION_ZSTD, frame, 8 << 20).length, 8 << 20);
});

test('zstd refuses trailing bytes after the last frame', () => {
  const input = Buffer.concat([compress(COMPRESSION_ZSTD, DATA), Buffer.from('zz')]);
  assert.throws(() => decompress(COMPRESSION_ZSTD, input), isProtocolError);
});

test('zstd keeps working after a failure leaves its shared context mid-frame', () => {
  const frame = streamingFrame(DATA, 4096);
  assert.throws(() => decompress(COMPRESSION_ZSTD, frame.subarray(0, frame.length >> 1)), isProtocolError);
  assert.deepEqual(decompress(COMPRESSION_ZSTD, frame), DATA);
});
