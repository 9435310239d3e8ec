/**
 * Kafka compression type 4 (KIP-110): standard zstd frames (RFC 8878). Java and librdkafka
 * compress through streaming APIs that often omit the frame content size, and a producer may
 * emit several frames (or skippable frames) back to back, so decompression must not depend on
 * the size being declared.
 *
 * We drive zstd-napi's native context directly rather than its one-shot helper, which allocates
 * whatever size a frame header claims and, for frames without a size, returns truncated input
 * without complaint. Here a declared size is checked against the limit before anything is
 * allocated, and the streaming path stops once output passes the limit and fails if the input
 * ends inside a frame.
 */
import binding from 'zstd-napi/binding.js';
import { compress as zstdNativeCompress } from 'zstd-napi';
import { corruptInput, outputTooLarge } from './compression-errors.js';

/** Output chunk size for streaming decompression: zstd's recommended size, grown for large input. */
const STREAM_CHUNK_BYTES = binding.dStreamOutSize();

/** One reusable context: decompression is synchronous, so calls never overlap. */
let sharedContext: binding.DCtx | undefined;

export function zstdCompress(input: Buffer): Buffer {
  return zstdNativeCompress(input);
}

export function zstdDecompress(input: Buffer, maxOutputBytes: number): Buffer {
  if (input.length === 0) throw corruptInput('zstd', 'input is empty');
  sharedContext ??= new binding.DCtx();
  const dctx = sharedContext;
  try {
    dctx.reset(binding.ResetDirective.sessionOnly);
    return decompressSingleSizedFrame(dctx, input, maxOutputBytes) ?? decompressStreaming(dctx, input, maxOutputBytes);
  } catch (err) {
    // Leave the shared context clean for the next caller whatever state the failure left it in.
    dctx.reset(binding.ResetDirective.sessionOnly);
    throw corruptInput('zstd', err);
  }
}

/** The common case: one frame that declares its size, decoded straight into an exact buffer. */
function decompressSingleSizedFrame(dctx: binding.DCtx, input: Buffer, maxOutputBytes: number): Buffer | null {
  const contentSize = binding.getFrameContentSize(input);
  if (contentSize === null) return null;
  if (contentSize > maxOutputBytes) throw outputTooLarge('zstd', maxOutputBytes, `frame declares ${contentSize} bytes`);
  if (binding.findFrameCompressedSize(input) !== input.length) return null;
  const output = Buffer.allocUnsafe(contentSize);
  const written = dctx.decompress(output, input);
  if (written !== contentSize) throw corruptInput('zstd', `frame declared ${contentSize} bytes but held ${written}`);
  return output;
}

function decompressStreaming(dctx: binding.DCtx, input: Buffer, maxOutputBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let src = input;
  const chunkBytes = Math.max(STREAM_CHUNK_BYTES, input.length * 4);
  while (true) {
    // One byte of room past the limit is how an over-long output is noticed.
    const dst = Buffer.allocUnsafe(Math.min(chunkBytes, maxOutputBytes - total + 1));
    const [remainingHint, produced, consumed] = dctx.decompressStream(dst, src);
    total += produced;
    if (total > maxOutputBytes) throw outputTooLarge('zstd', maxOutputBytes);
    if (produced > 0) chunks.push(dst.subarray(0, produced));
    src = src.subarray(consumed);
    // A hint of 0 means the current frame is complete and flushed.
    if (src.length === 0 && remainingHint === 0) break;
    if (produced === 0 && consumed === 0) throw corruptInput('zstd', 'input ends inside a frame');
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
