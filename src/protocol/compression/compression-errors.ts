/**
 * The two ways decompression refuses input, shared by every codec module: the bytes are not a
 * valid stream of that codec (native libraries throw their own error types, which we wrap so
 * callers only ever catch ProtocolError), or the output would exceed the caller's limit (a
 * "decompression bomb": a few KiB that claim, or really expand to, gigabytes).
 */
import { ProtocolError } from '../primitives/index.js';

/** Decompressed output above this is refused unless the caller passes its own limit. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export function corruptInput(codecName: string, cause: unknown): ProtocolError {
  if (cause instanceof ProtocolError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ProtocolError(`corrupt ${codecName} input: ${detail}`, { cause });
}

/** `claim` says what the input declared or implied about its size, when it did. */
export function outputTooLarge(codecName: string, maxOutputBytes: number, claim?: string): ProtocolError {
  const suffix = claim === undefined ? '' : ` (${claim})`;
  return new ProtocolError(`${codecName} output exceeds the limit of ${maxOutputBytes} bytes${suffix}`);
}
