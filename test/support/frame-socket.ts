/**
 * FrameSocket: a client socket that writes raw bytes and reads the broker's answers as size-prefixed
 * frames, with no codec in between. For tests that judge framing itself: hostile bytes, pipelining,
 * backpressure (`pause()` stops reading the socket, so the kernel buffers fill and the broker's
 * writes block), and whether the broker closed the connection.
 *
 * Response frames are split by the client's FrameDecoder, which keeps a chunk list, so a
 * multi-MiB Fetch response costs one copy rather than one per socket read.
 */
import { type Socket, connect } from 'node:net';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import {
  API_BY_KEY, RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion,
} from '../../src/protocol/generated/index.js';
import { Reader, Writer } from '../../src/protocol/primitives/index.js';

/** Larger than any response a test asks for. */
const MAX_RESPONSE_BYTES = 1 << 30;

export class FrameSocket {
  /** Frames received and not yet taken by `next()`. */
  private readonly frames: Buffer[] = [];
  private readonly decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  private waiter: (() => void) | null = null;
  private closedByPeer = false;
  private isClosed = false;
  /** Bytes received so far, frames or not. */
  receivedBytes = 0;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.receivedBytes += chunk.length;
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== null; frame = this.decoder.next()) this.frames.push(frame);
      this.wake();
    });
    // ECONNRESET is an ordinary way for the broker to drop a connection it refuses.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.closedByPeer ||= !this.isClosed;
      this.isClosed = true;
      this.wake();
      resolve();
    }));
    socket.on('end', () => {
      this.closedByPeer = true;
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<FrameSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new FrameSocket(socket));
      });
      socket.once('error', reject);
    });
  }

  /** True once the broker closed (or reset) the connection. */
  get wasClosedByBroker(): boolean {
    return this.closedByPeer;
  }

  get hasClosed(): boolean {
    return this.isClosed;
  }

  get pendingFrames(): number {
    return this.frames.length;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  write(bytes: Buffer): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix); null once the connection closed with none left. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.isClosed) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Stops reading the socket: what the broker writes piles up in kernel buffers, then in the broker. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.isClosed = true;
    this.socket.destroy();
  }
}

/** A size-prefixed frame: the 4-byte size (`size`, or the payload's length), then the payload. */
export function sizePrefixed(payload: Buffer, size = payload.length): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(size, 0);
  return Buffer.concat([prefix, payload]);
}

/** A whole request frame, size prefix included, encoded with our codecs. */
export function requestFrame(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  const api = API_BY_KEY.get(apiKey)!;
  const w = new Writer();
  RequestHeader.write(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'frame-socket' }, requestHeaderVersion(api, version));
  api.request.write(w, body, version);
  return sizePrefixed(w.toBuffer());
}

/** A response frame (without its size prefix): its correlation id and decoded body. */
export function decodeResponse<T>(apiKey: number, version: number, frame: Buffer): { readonly correlationId: number; readonly body: T } {
  const api = API_BY_KEY.get(apiKey)!;
  const r = new Reader(frame);
  const { correlationId } = ResponseHeader.read(r, responseHeaderVersion(api, version));
  return { correlationId, body: api.response.read(r, version) as T };
}
