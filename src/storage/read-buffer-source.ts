/**
 * ReadBufferSource: where a log read puts the bytes it reads. By default each read gets a fresh
 * buffer; a Fetch passes buffers it borrows from a pool and gives back once its response has been
 * written (see broker/response-buffers.ts), so serving consumers allocates nothing per read.
 */
export interface ReadBufferSource {
  /** A buffer of exactly `size` bytes that the reader may fill and hand on. */
  allocate(size: number): Buffer;
}

export const FRESH_READ_BUFFERS: ReadBufferSource = { allocate: (size) => Buffer.allocUnsafe(size) };
