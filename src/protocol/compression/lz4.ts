/**
 * Kafka compression type 3: the standard LZ4 frame format (magic 0x184D2204), which Kafka uses
 * for every message format since magic 1. lz4-napi's frame functions read and write it; what it
 * writes (independent blocks, 256 KiB maximum block size, no checksums) is what Kafka's Java
 * reader accepts, and it reads the frames other clients write, with or without block and content
 * checksums and a content size.
 *
 * Frame layout (integers little-endian):
 *   magic u32 · FLG u8 · BD u8 · [content size u64] · [dictionary id u32] · header checksum u8
 *   · { blockSize u32 (high bit set: stored uncompressed) · data · [block checksum u32] }*
 *   · end mark u32 = 0 · [content checksum u32]
 * Skippable frames (magic 0x184D2A50..5F, then u32 length and that many bytes) may sit between
 * frames.
 *
 * Before decompressing we walk the block headers, which bounds the output without inflating it:
 * a compressed block expands to at most the frame's maximum block size, and to at most 255 times
 * its own size (an LZ4 sequence spends at least one input byte per 255 output bytes). The bound
 * can exceed the true size by up to a block, so output that close to the limit may be refused.
 * The walk also splits concatenated frames, because the native decoder stops after the first one
 * and ignores what follows.
 */
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { corruptInput, outputTooLarge } from './compression-errors.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICTIONARY_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;
const TWO_POW_32 = 4294967296;
const MAX_BLOCK_EXPANSION = 255;

/** One LZ4 frame found by the walk, and the most it can expand to. */
interface FrameExtent {
  start: number;
  end: number;
  maxOutputBytes: number;
}

export function lz4Compress(input: Buffer): Buffer {
  return compressFrameSync(input);
}

export function lz4Decompress(input: Buffer, maxOutputBytes: number): Buffer {
  const frames = walkFrames(input, maxOutputBytes);
  const outputs: Buffer[] = [];
  let total = 0;
  for (const frame of frames) {
    let output: Buffer;
    try {
      output = decompressFrameSync(input.subarray(frame.start, frame.end));
    } catch (err) {
      throw corruptInput('lz4', err);
    }
    total += output.length;
    outputs.push(output);
  }
  return outputs.length === 1 ? outputs[0]! : Buffer.concat(outputs, total);
}

function walkFrames(input: Buffer, maxOutputBytes: number): FrameExtent[] {
  if (input.length < 4) throw corruptInput('lz4', 'input is shorter than a frame magic');
  const frames: FrameExtent[] = [];
  let bound = 0;
  let pos = 0;
  while (pos < input.length) {
    need(input, pos, 4, 'frame magic');
    const magic = input.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(input, pos + 4, 4, 'skippable frame length');
      const length = input.readUInt32LE(pos + 4);
      need(input, pos + 8, length, 'skippable frame');
      pos += 8 + length;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corruptInput('lz4', `bad frame magic 0x${magic.toString(16)} at byte ${pos}`);
    const frame = walkFrame(input, pos);
    bound += frame.maxOutputBytes;
    if (bound > maxOutputBytes) throw outputTooLarge('lz4', maxOutputBytes, `its blocks may expand to ${bound} bytes`);
    frames.push(frame);
    pos = frame.end;
  }
  if (frames.length === 0) throw corruptInput('lz4', 'no frame, only skippable frames');
  return frames;
}

function walkFrame(input: Buffer, start: number): FrameExtent {
  need(input, start + 4, 2, 'frame descriptor');
  const flg = input[start + 4]!;
  const bd = input[start + 5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw corruptInput('lz4', `unsupported frame version in FLG 0x${flg.toString(16)}`);
  if ((flg & FLG_DICTIONARY_ID) !== 0) throw corruptInput('lz4', 'frames that need a dictionary are not supported');
  const maxBlockSize = blockMaxSize(bd);
  let pos = start + 6;
  let declaredSize = -1;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    need(input, pos, 8, 'content size');
    declaredSize = input.readUInt32LE(pos + 4) * TWO_POW_32 + input.readUInt32LE(pos);
    pos += 8;
  }
  pos += 1; // header checksum, verified by the native decoder
  const blockChecksumSize = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
  let bound = 0;
  while (true) {
    need(input, pos, 4, 'block size');
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
    if (size > maxBlockSize) throw corruptInput('lz4', `block of ${size} bytes exceeds the frame's maximum of ${maxBlockSize}`);
    need(input, pos, size + blockChecksumSize, 'block');
    bound += (word & BLOCK_UNCOMPRESSED) !== 0 ? size : Math.min(maxBlockSize, size * MAX_BLOCK_EXPANSION);
    pos += size + blockChecksumSize;
  }
  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    need(input, pos, 4, 'content checksum');
    pos += 4;
  }
  // A declared content size is checked by the native decoder; it only tightens the bound here.
  const maxOutputBytes = declaredSize >= 0 ? Math.min(bound, declaredSize) : bound;
  return { start, end: pos, maxOutputBytes };
}

/** BD bits 4-6 pick the maximum block size: 4 → 64 KiB, 5 → 256 KiB, 6 → 1 MiB, 7 → 4 MiB. */
function blockMaxSize(bd: number): number {
  const id = (bd >> 4) & 0x07;
  if (id < 4 || (bd & 0x8f) !== 0) throw corruptInput('lz4', `invalid block descriptor 0x${bd.toString(16)}`);
  return 1 << (8 + 2 * id);
}

function need(input: Buffer, pos: number, n: number, what: string): void {
  if (input.length - pos < n) throw corruptInput('lz4', `${what} at byte ${pos} is truncated`);
}
