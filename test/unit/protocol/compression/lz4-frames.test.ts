import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressFrameSync } from 'lz4-napi';
import { compress, COMPRESSION_LZ4, decompress } from '../../../../src/protocol/compression/index.js';
import { ProtocolError } from '../../../../src/protocol/primitives/index.js';
import { buildLz4Frame, buildSkippableFrame, xxh32 } from './lz4-frame-builder.js';

/** Somewhat compressible, not trivially so, and longer than two 64 KiB blocks. */
const DATA = Buffer.from(Array.from({ length: 150_000 }, (_, i) => ((i * 7) % 13) + (i >> 10)));

function isProtocolError(err: unknown): boolean {
  return err instanceof ProtocolError;
}

test('the test xxh32 matches the reference vectors', () => {
  assert.equal(xxh32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxh32(Buffer.from('a')), 0x550d7456);
  assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
});

test('lz4 writes frames Kafka reads: version 01, independent blocks, a 64 KiB to 4 MiB block size', () => {
  for (const size of [0, 10, 70_000, 300_000, 2_000_000]) {
    const frame = compress(COMPRESSION_LZ4, Buffer.alloc(size, 'abc'));
    assert.equal(frame.readUInt32LE(0), 0x184d2204);
    const flg = frame[4]!;
    assert.equal(flg & 0xc0, 0x40, 'frame version 01');
    assert.equal(flg & 0x20, 0x20, 'independent blocks');
    assert.equal(flg & 0x01, 0, 'no dictionary');
    const blockSizeId = (frame[5]! >> 4) & 0x07;
    assert.ok(blockSizeId >= 4 && blockSizeId <= 7, `block size id ${blockSizeId}`);
  }
});

test('lz4 reads frames with every combination of content size, content checksum and block checksums', () => {
  for (let flags = 0; flags < 16; flags++) {
    const options = {
      contentSize: (flags & 1) !== 0,
      contentChecksum: (flags & 2) !== 0,
      blockChecksums: (flags & 4) !== 0,
      compressBlocks: (flags & 8) !== 0,
    };
    assert.deepEqual(decompress(COMPRESSION_LZ4, buildLz4Frame(DATA, options)), DATA, JSON.stringify(options));
  }
});

test('lz4 reads frames written by lz4-napi with its content and block checksum options', () => {
  for (const options of [{ contentChecksum: true }, { blockChecksums: true }, { contentChecksum: true, blockChecksums: true }]) {
    assert.deepEqual(decompress(COMPRESSION_LZ4, compressFrameSync(DATA, options)), DATA);
  }
});

test('lz4 reads every maximum block size from 64 KiB to 4 MiB', () => {
  for (const blockSizeId of [4, 5, 6, 7] as const) {
    assert.deepEqual(decompress(COMPRESSION_LZ4, buildLz4Frame(DATA, { blockSizeId })), DATA);
  }
});

test('lz4 reads concatenated frames and skips skippable frames', () => {
  const first = DATA.subarray(0, 70_000);
  const second = DATA.subarray(70_000);
  const input = Buffer.concat([
    buildSkippableFrame(Buffer.from('metadata')),
    compressFrameSync(first),
    buildSkippableFrame(Buffer.alloc(0), 0xf),
    buildLz4Frame(second, { contentChecksum: true }),
  ]);
  assert.deepEqual(decompress(COMPRESSION_LZ4, input), DATA);
});

test('lz4 refuses a damaged header checksum, block checksum or content checksum', () => {
  const headerDamaged = buildLz4Frame(DATA);
  headerDamaged[6] = headerDamaged[6]! ^ 0x01;
  assert.throws(() => decompress(COMPRESSION_LZ4, headerDamaged), isProtocolError);

  const blockDamaged = buildLz4Frame(DATA, { blockChecksums: true });
  blockDamaged[20] = blockDamaged[20]! ^ 0x01;
  assert.throws(() => decompress(COMPRESSION_LZ4, blockDamaged), isProtocolError);

  const contentDamaged = buildLz4Frame(DATA, { contentChecksum: true });
  contentDamaged[contentDamaged.length - 1] = contentDamaged[contentDamaged.length - 1]! ^ 0x01;
  assert.throws(() => decompress(COMPRESSION_LZ4, contentDamaged), isProtocolError);
});

test('lz4 refuses a wrong content size, a dictionary frame, a bad block size id and trailing garbage', () => {
  const wrongSize = buildLz4Frame(DATA, { contentSize: true });
  wrongSize.writeUInt32LE(5, 6);
  wrongSize[14] = (xxh32(wrongSize.subarray(4, 14)) >>> 8) & 0xff;
  assert.throws(() => decompress(COMPRESSION_LZ4, wrongSize), isProtocolError);

  assert.throws(() => decompress(COMPRESSION_LZ4, buildLz4Frame(DATA, { dictionaryId: 7 })), /dictionary/);

  const badBlockSize = buildLz4Frame(DATA);
  badBlockSize[5] = 0x30;
  assert.throws(() => decompress(COMPRESSION_LZ4, badBlockSize), /block descriptor/);

  const trailing = Buffer.concat([compressFrameSync(DATA), Buffer.from('zz')]);
  assert.throws(() => decompress(COMPRESSION_LZ4, trailing), isProtocolError);
});

test('lz4 refuses a block larger than the frame maximum it declares', () => {
  const frame = buildLz4Frame(DATA, { blockSizeId: 4, blockBytes: 100_000, compressBlocks: false });
  assert.throws(() => decompress(COMPRESSION_LZ4, frame), /exceeds the frame's maximum/);
});

test('lz4 bounds output from block headers before inflating anything', () => {
  const zeros = Buffer.alloc(4 << 20);
  const frame = buildLz4Frame(zeros, { blockSizeId: 7 });
  assert.ok(frame.length < 40_000, `a 4 MiB zero frame compresses to ${frame.length} bytes`);
  assert.throws(() => decompress(COMPRESSION_LZ4, frame, 1 << 20), /exceeds the limit/);
  assert.equal(decompress(COMPRESSION_LZ4, frame, 4 << 20).length, 4 << 20);
});

test('lz4 refuses input that only holds skippable frames', () => {
  assert.throws(() => decompress(COMPRESSION_LZ4, buildSkippableFrame(Buffer.from('x'))), isProtocolError);
});
