import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compressSync as snappyBlock } from 'snappy';
import {
  compress,
  compressionCodecName,
  COMPRESSION_GZIP,
  COMPRESSION_LZ4,
  COMPRESSION_NONE,
  COMPRESSION_SNAPPY,
  COMPRESSION_ZSTD,
  decompress,
  isXerialFramed,
} from '../../../../src/protocol/compression/index.js';
import { ProtocolError } from '../../../../src/protocol/primitives/index.js';

const CODECS = [COMPRESSION_NONE, COMPRESSION_GZIP, COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD];
const COMPRESSING_CODECS = [COMPRESSION_GZIP, COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD];

/** Random bytes, and repetitive bytes that actually compress (records mostly look like this). */
const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 2000 }))
    .map(([unit, times]) => Buffer.concat(Array.from({ length: times }, () => unit))),
);

function isProtocolError(err: unknown): boolean {
  return err instanceof ProtocolError;
}

/** Decompression that either succeeds or throws ProtocolError; anything else fails the test. */
function decompressOrProtocolError(codec: number, input: Buffer, maxOutputBytes?: number): Buffer | ProtocolError {
  try {
    return decompress(codec, input, maxOutputBytes);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
}

function xerialFrame(blocks: Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (const block of blocks) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

for (const codec of CODECS) {
  test(`${compressionCodecName(codec)} decompresses what it compresses, for any bytes`, () => {
    fc.assert(fc.property(payloads, (data) => {
      assert.deepEqual(decompress(codec, compress(codec, data)), data);
    }), { numRuns: 60 });
  });
}

test('unknown codec ids are refused with ProtocolError in both directions', () => {
  for (const codec of [5, 6, 7, -1, 1.5]) {
    assert.throws(() => compress(codec, Buffer.from('x')), isProtocolError);
    assert.throws(() => decompress(codec, Buffer.from('x')), isProtocolError);
  }
});

for (const codec of COMPRESSING_CODECS) {
  const name = compressionCodecName(codec);

  test(`${name} refuses every truncation of a valid stream with ProtocolError`, () => {
    const data = Buffer.from('kafka record bytes '.repeat(400));
    const compressed = compress(codec, data);
    fc.assert(fc.property(fc.integer({ min: 0, max: compressed.length - 1 }), (cut) => {
      assert.throws(() => decompress(codec, compressed.subarray(0, cut)), isProtocolError);
    }), { numRuns: 100 });
  });

  test(`${name} answers random or damaged input with a result or a ProtocolError, never another error`, () => {
    const compressed = compress(codec, Buffer.from('abcdefgh'.repeat(1000)));
    const damaged = fc.tuple(fc.nat(compressed.length - 1), fc.integer({ min: 1, max: 255 })).map(([index, mask]) => {
      const copy = Buffer.from(compressed);
      copy[index] = copy[index]! ^ mask;
      return copy;
    });
    const random = fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes));
    fc.assert(fc.property(fc.oneof(damaged, random), (input) => {
      decompressOrProtocolError(codec, input, 1 << 20);
    }), { numRuns: 200 });
  });

  test(`${name} refuses output above the limit without producing it`, () => {
    const data = Buffer.alloc(1 << 20);
    const compressed = compress(codec, data);
    assert.throws(() => decompress(codec, compressed, 64 * 1024), (err: unknown) => err instanceof ProtocolError && /exceeds the limit/.test(err.message));
  });
}

test('gzip, snappy and zstd accept output exactly at the limit', () => {
  const data = Buffer.alloc(100_000, 7);
  for (const codec of [COMPRESSION_GZIP, COMPRESSION_SNAPPY, COMPRESSION_ZSTD]) {
    assert.deepEqual(decompress(codec, compress(codec, data), data.length), data);
    assert.throws(() => decompress(codec, compress(codec, data), data.length - 1), isProtocolError);
  }
});

test('an empty input is corrupt for every compressing codec but a valid empty payload for none', () => {
  for (const codec of COMPRESSING_CODECS) assert.throws(() => decompress(codec, Buffer.alloc(0)), isProtocolError);
  assert.equal(decompress(COMPRESSION_NONE, Buffer.alloc(0)).length, 0);
});

test('snappy decodes xerial-framed input built from plain snappy blocks', () => {
  fc.assert(fc.property(fc.array(payloads, { maxLength: 5 }), (chunks) => {
    const framed = xerialFrame(chunks.map((chunk) => snappyBlock(chunk)));
    assert.ok(isXerialFramed(framed));
    assert.deepEqual(decompress(COMPRESSION_SNAPPY, framed), Buffer.concat(chunks));
  }), { numRuns: 50 });
});

test('snappy writes plain snappy, never the xerial framing', () => {
  fc.assert(fc.property(payloads, (data) => {
    assert.equal(isXerialFramed(compress(COMPRESSION_SNAPPY, data)), false);
  }), { numRuns: 50 });
});

test('snappy refuses xerial frames whose block lengths do not fit or whose blocks are corrupt', () => {
  const block = snappyBlock(Buffer.from('hello hello hello hello'));
  const framed = xerialFrame([block]);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, framed.subarray(0, 12)), isProtocolError);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, framed.subarray(0, 18)), isProtocolError);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, framed.subarray(0, framed.length - 1)), isProtocolError);
  const negative = Buffer.from(framed);
  negative.writeInt32BE(-5, 16);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, negative), isProtocolError);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, xerialFrame([Buffer.from([0x05, 0xff, 0xff])])), isProtocolError);
});

test('snappy checks the total of all xerial blocks against the limit', () => {
  const chunk = Buffer.alloc(40_000, 1);
  const framed = xerialFrame([snappyBlock(chunk), snappyBlock(chunk), snappyBlock(chunk)]);
  assert.equal(decompress(COMPRESSION_SNAPPY, framed, 120_000).length, 120_000);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, framed, 100_000), isProtocolError);
});

test('snappy refuses a block whose length preamble claims more than the limit before decoding it', () => {
  // Preamble 0xffffffff (4 GiB) followed by nothing: refused on the claim alone.
  const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  assert.throws(() => decompress(COMPRESSION_SNAPPY, bomb), (err: unknown) => err instanceof ProtocolError && /declares 4294967295/.test(err.message));
});
