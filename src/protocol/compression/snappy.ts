/**
 * Kafka compression type 2: snappy. We write the plain snappy format (a varint of the
 * uncompressed length, then tagged literal/copy elements), as librdkafka and most non-Java
 * clients do. Java clients write xerial's framing instead, so reading accepts both:
 *
 *   xerial = magic (0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00) · int32 version · int32 compatible version
 *            · { int32 blockLength · plain snappy block }*        (all integers big-endian)
 *
 * A plain stream can never begin with the xerial magic: 0x82 0x53 is a complete length varint,
 * and the next byte ('N') would be a back-reference before any output, which is invalid; so the
 * magic alone tells the formats apart (xerial's own reader relies on the same fact).
 *
 * Every block's uncompressed length is read from its varint and checked against the limit before
 * the native decoder is called, because the decoder sizes its output from that claim.
 *
 * We ask the library to copy its output into a Node-allocated Buffer. Its zero-copy default hands
 * over native memory that is freed only when V8 collects the Buffer, so large outputs come from
 * fresh mmap'd pages on every call; the page faults made 1 MiB (de)compressions two to four times
 * slower than the copy in our benchmark (bench/record-batch.ts).
 */
import { compressSync, uncompressSync } from 'snappy';
import { ProtocolError } from '../primitives/index.js';
import { corruptInput, outputTooLarge } from './compression-errors.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, version and compatible version. */
const XERIAL_HEADER_SIZE = 16;

export function snappyCompress(input: Buffer): Buffer {
  return compressSync(input, { copyOutputData: true });
}

export function snappyDecompress(input: Buffer, maxOutputBytes: number): Buffer {
  if (isXerialFramed(input)) return decompressXerial(input, maxOutputBytes);
  return decompressBlock(input, maxOutputBytes);
}

export function isXerialFramed(input: Buffer): boolean {
  return input.length >= XERIAL_MAGIC.length && XERIAL_MAGIC.equals(input.subarray(0, XERIAL_MAGIC.length));
}

function decompressXerial(input: Buffer, maxOutputBytes: number): Buffer {
  if (input.length < XERIAL_HEADER_SIZE) throw corruptInput('snappy', 'xerial header is truncated');
  const blocks: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < input.length) {
    if (input.length - pos < 4) throw corruptInput('snappy', `xerial block length at byte ${pos} is truncated`);
    const blockLength = input.readInt32BE(pos);
    pos += 4;
    if (blockLength < 0 || blockLength > input.length - pos) {
      throw corruptInput('snappy', `xerial block of ${blockLength} bytes at byte ${pos} overruns the ${input.length - pos} bytes left`);
    }
    const block = decompressBlock(input.subarray(pos, pos + blockLength), maxOutputBytes - total);
    total += block.length;
    blocks.push(block);
    pos += blockLength;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

function decompressBlock(block: Buffer, maxOutputBytes: number): Buffer {
  const claimed = uncompressedLength(block);
  if (claimed > maxOutputBytes) throw outputTooLarge('snappy', maxOutputBytes, `block declares ${claimed} bytes`);
  let output: string | Buffer;
  try {
    output = uncompressSync(block, { asBuffer: true, copyOutputData: true });
  } catch (err) {
    throw corruptInput('snappy', err);
  }
  if (!Buffer.isBuffer(output)) throw new ProtocolError('snappy decoder returned a string');
  return output;
}

/** The leading unsigned varint (at most 32 bits) every plain snappy block starts with. */
function uncompressedLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) throw corruptInput('snappy', 'length preamble is truncated');
    const b = block[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw corruptInput('snappy', 'length preamble is not a 32-bit varint');
}
