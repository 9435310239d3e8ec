/**
 * The one error every decoder and encoder in `src/protocol` throws for bad input: truncated or
 * oversized frames, lengths that point past the bytes at hand, varints that never end, values a
 * version cannot carry. Callers catch this type alone; anything else escaping a codec is a bug.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export function truncated(needed: number, remaining: number): ProtocolError {
  return new ProtocolError(`truncated input: needed ${needed} bytes, ${remaining} remain`);
}
