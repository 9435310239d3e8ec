/**
 * Accepted sockets that read into buffers the broker names, instead of a fresh buffer per read.
 *
 * Node can read a socket into memory the caller owns (the `onread` option), but only for sockets
 * built with that option, and `net.Server` builds the sockets it accepts without it. So a server
 * created with `pauseOnConnect` (nothing read yet) hands each accepted socket here: its native
 * handle moves to a new Socket built with `onread`, and the old wrapper is destroyed without it.
 * That reaches into Node's `_handle`, which is not public API; where it is not there (another
 * runtime, a future Node), `withDirectReads` answers null and the caller reads through 'data'
 * events as usual.
 */
import { Socket } from 'node:net';

export interface DirectReads {
  /** Where the next read lands; called once at the start and after every read. */
  buffer(): Buffer;
  /** `count` bytes were read into `buffer`, the last one `buffer()` returned. */
  callback(count: number, buffer: Buffer): void;
}

interface StreamHandle {
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

interface HandleHolder {
  _handle?: unknown;
}

function isStreamHandle(handle: unknown): handle is StreamHandle {
  if (typeof handle !== 'object' || handle === null) return false;
  const h = handle as Partial<Record<keyof StreamHandle, unknown>>;
  return typeof h.readStart === 'function' && typeof h.readStop === 'function' && typeof h.useUserBuffer === 'function';
}

/**
 * A socket on `accepted`'s connection whose reads go where `reads` says, or null when this
 * runtime does not allow it (then `accepted` is untouched). `accepted` must come from a server
 * created with `pauseOnConnect: true`; on success it is destroyed, and the returned socket is
 * already reading.
 */
export function withDirectReads(accepted: Socket, reads: DirectReads): Socket | null {
  const holder = accepted as unknown as HandleHolder;
  const handle = holder._handle;
  if (!isStreamHandle(handle) || accepted.destroyed) return null;
  holder._handle = null;
  accepted.destroy();
  const options = { handle, readable: true, writable: true, onread: { buffer: () => reads.buffer(), callback: (count: number, buffer: Uint8Array) => reads.callback(count, buffer as Buffer) } };
  return new Socket(options as ConstructorParameters<typeof Socket>[0]);
}
