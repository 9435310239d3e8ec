/**
 * Record batch compression: the codec in bits 0-2 of a batch's attributes, applied to the bytes
 * of all its records together. Ids are Kafka's: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd; 5-7 are
 * unassigned and refused.
 *
 * `decompress` throws ProtocolError, never a native library's error, for corrupt input and for
 * output above `maxOutputBytes`; the broker never decompresses on the produce path, so this
 * serves clients, compaction and tests.
 */
import { ProtocolError } from '../primitives/index.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, outputTooLarge } from './compression-errors.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

export const COMPRESSION_NONE = 0;
export const COMPRESSION_GZIP = 1;
export const COMPRESSION_SNAPPY = 2;
export const COMPRESSION_LZ4 = 3;
export const COMPRESSION_ZSTD = 4;

export type CompressionCodec = 0 | 1 | 2 | 3 | 4;

export { DEFAULT_MAX_DECOMPRESSED_BYTES };
export { isXerialFramed } from './snappy.js';

export function isCompressionCodec(codec: number): codec is CompressionCodec {
  return Number.isInteger(codec) && codec >= COMPRESSION_NONE && codec <= COMPRESSION_ZSTD;
}

export function compressionCodecName(codec: number): string {
  switch (codec) {
    case COMPRESSION_NONE: return 'none';
    case COMPRESSION_GZIP: return 'gzip';
    case COMPRESSION_SNAPPY: return 'snappy';
    case COMPRESSION_LZ4: return 'lz4';
    case COMPRESSION_ZSTD: return 'zstd';
    default: throw unknownCodec(codec);
  }
}

export function compress(codec: number, input: Buffer): Buffer {
  switch (codec) {
    case COMPRESSION_NONE: return input;
    case COMPRESSION_GZIP: return gzipCompress(input);
    case COMPRESSION_SNAPPY: return snappyCompress(input);
    case COMPRESSION_LZ4: return lz4Compress(input);
    case COMPRESSION_ZSTD: return zstdCompress(input);
    default: throw unknownCodec(codec);
  }
}

export function decompress(codec: number, input: Buffer, maxOutputBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  switch (codec) {
    case COMPRESSION_NONE:
      if (input.length > maxOutputBytes) throw outputTooLarge('uncompressed', maxOutputBytes, `${input.length} bytes`);
      return input;
    case COMPRESSION_GZIP: return gzipDecompress(input, maxOutputBytes);
    case COMPRESSION_SNAPPY: return snappyDecompress(input, maxOutputBytes);
    case COMPRESSION_LZ4: return lz4Decompress(input, maxOutputBytes);
    case COMPRESSION_ZSTD: return zstdDecompress(input, maxOutputBytes);
    default: throw unknownCodec(codec);
  }
}

function unknownCodec(codec: number): ProtocolError {
  return new ProtocolError(`unknown compression codec ${codec}`);
}
