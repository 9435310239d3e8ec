/**
 * Builds LZ4 frames by hand, with any combination of the optional frame fields, so tests can feed
 * our decoder the frames other Kafka clients write (content size, content checksum, block
 * checksums, stored blocks, 64 KiB..4 MiB block sizes) independently of lz4-napi's own encoder.
 * Blocks are compressed with lz4-napi's block API, which prepends a 4-byte size we strip.
 */
import { compressSync } from 'lz4-napi';

const PRIME1 = 2654435761;
const PRIME2 = 2246822519;
const PRIME3 = 3266489917;
const PRIME4 = 668265263;
const PRIME5 = 374761393;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) >>> 0, 13), PRIME1) >>> 0;
}

/** XXH32, the checksum of LZ4 frames (header, blocks and content). */
export function xxh32(input: Buffer, seed = 0): number {
  const n = input.length;
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) >>> 0;
    let v2 = (seed + PRIME2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - PRIME1) >>> 0;
    for (; i + 16 <= n; i += 16) {
      v1 = round(v1, input.readUInt32LE(i));
      v2 = round(v2, input.readUInt32LE(i + 4));
      v3 = round(v3, input.readUInt32LE(i + 8));
      v4 = round(v4, input.readUInt32LE(i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + PRIME5) >>> 0;
  }
  h = (h + n) >>> 0;
  for (; i + 4 <= n; i += 4) h = Math.imul(rotl((h + Math.imul(input.readUInt32LE(i), PRIME3)) >>> 0, 17), PRIME4) >>> 0;
  for (; i < n; i++) h = Math.imul(rotl((h + Math.imul(input[i]!, PRIME5)) >>> 0, 11), PRIME1) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Lz4FrameOptions {
  contentSize?: boolean;
  contentChecksum?: boolean;
  blockChecksums?: boolean;
  /** Compress blocks (default) or store them raw with the high bit of the block size set. */
  compressBlocks?: boolean;
  /** Block size id of the BD byte: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB. */
  blockSizeId?: 4 | 5 | 6 | 7;
  /** Bytes per block, at most the maximum the id allows; defaults to that maximum. */
  blockBytes?: number;
  dictionaryId?: number;
}

function u32le(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

export function buildLz4Frame(data: Buffer, options: Lz4FrameOptions = {}): Buffer {
  const blockSizeId = options.blockSizeId ?? 4;
  const blockBytes = options.blockBytes ?? 1 << (8 + 2 * blockSizeId);
  const flg = 0x40 | 0x20 | (options.blockChecksums === true ? 0x10 : 0) | (options.contentSize === true ? 0x08 : 0)
    | (options.contentChecksum === true ? 0x04 : 0) | (options.dictionaryId !== undefined ? 0x01 : 0);
  const descriptor: Buffer[] = [Buffer.from([flg, blockSizeId << 4])];
  if (options.contentSize === true) {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(data.length));
    descriptor.push(size);
  }
  if (options.dictionaryId !== undefined) descriptor.push(u32le(options.dictionaryId));
  const descriptorBytes = Buffer.concat(descriptor);
  const parts: Buffer[] = [u32le(0x184d2204), descriptorBytes, Buffer.from([(xxh32(descriptorBytes) >>> 8) & 0xff])];
  for (let i = 0; i < data.length; i += blockBytes) {
    const chunk = data.subarray(i, i + blockBytes);
    const compressed = options.compressBlocks === false ? null : compressSync(chunk).subarray(4);
    // A compressor stores a block raw when compression would not shrink it.
    const stored = compressed === null || compressed.length >= chunk.length;
    const block = stored ? chunk : compressed;
    parts.push(u32le(stored ? (block.length | 0x80000000) >>> 0 : block.length), block);
    if (options.blockChecksums === true) parts.push(u32le(xxh32(block)));
  }
  parts.push(u32le(0));
  if (options.contentChecksum === true) parts.push(u32le(xxh32(data)));
  return Buffer.concat(parts);
}

export function buildSkippableFrame(payload: Buffer, magicNibble = 0): Buffer {
  return Buffer.concat([u32le(0x184d2a50 + magicNibble), u32le(payload.length), payload]);
}
