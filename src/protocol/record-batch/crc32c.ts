/**
 * CRC32C (Castagnoli), the checksum of magic v2 record batches. The native implementation uses
 * the CPU's CRC32 instructions where present; this wrapper pins the result to an unsigned 32-bit
 * number, the form the batch header stores and compares against.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC32C of `bytes`; pass a previous result as `initial` to continue over a following range. */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  return nativeCrc32c(bytes, initial) >>> 0;
}
