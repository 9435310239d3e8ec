/**
 * Kafka compression type 1: gzip (RFC 1952), as Java's GZIPOutputStream writes it. node:zlib does
 * the work; its `maxOutputLength` stops inflation at the limit rather than after it.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { corruptInput, outputTooLarge } from './compression-errors.js';

export function gzipCompress(input: Buffer): Buffer {
  return gzipSync(input);
}

export function gzipDecompress(input: Buffer, maxOutputBytes: number): Buffer {
  try {
    return gunzipSync(input, { maxOutputLength: maxOutputBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw outputTooLarge('gzip', maxOutputBytes);
    throw corruptInput('gzip', err);
  }
}
