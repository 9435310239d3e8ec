/**
 * Connection: one client socket. Frames are split off by a FrameReader, and requests handled
 * one at a time in arrival order — as Kafka mutes a channel while a request is in flight — so
 * responses leave in request order. Reading pauses while a request is handled and while the
 * client is not reading its responses (backpressure), so a slow reader holds at most one response
 * in memory.
 *
 * The socket either reads where the FrameReader says (see direct-read-socket.ts) or, when the
 * runtime does not allow that, delivers 'data' chunks that the reader copies from.
 *
 * A response is written as [size, header, body chunks] inside cork/uncork; record bytes in a
 * Fetch body are the stored buffers themselves. A malformed frame, an unknown API key or an
 * unsupported version (other than ApiVersions, which gets UNSUPPORTED_VERSION in a v0 answer)
 * closes this connection with a logged reason and touches nothing else.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  type ApiSpec, ApiVersionsResponse, RequestHeader, ResponseHeader, defaultApiVersionsResponse,
  requestHeaderVersion, responseHeaderVersion,
} from '../protocol/generated/index.js';
import { ProtocolError, Reader, Writer } from '../protocol/primitives/index.js';
import type { BrokerServices, RequestContext } from './api-handler.js';
import { FrameSizeError } from '../protocol/frame-decoder.js';
import type { BufferPool } from './buffer-pool.js';
import type { Frame, FrameReader } from './frame-reader.js';
import { advertisedApiVersions } from './handlers/api-versions.js';
import type { RequestDispatcher } from './request-dispatcher.js';
import { ResponseBuffers } from './response-buffers.js';

const API_VERSIONS_KEY = 18;
const MIN_HEADER_BYTES = 8;

/**
 * Response bytes not yet handed to the kernel: Node's queue plus libuv's (`writeQueueSize`, which
 * shrinks with every partial write, where `writableLength` only drops once a whole corked write is
 * done). Node's own socket timeouts read the same field to tell a slow writer from an idle one.
 */
function queuedOutputBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle;
  return socket.writableLength + (handle?.writeQueueSize ?? 0);
}

export interface ConnectionOwner {
  readonly services: BrokerServices;
  readonly dispatcher: RequestDispatcher;
  readonly logger: Logger;
  /** Buffers that log reads for a response borrow until it is written. */
  readonly readBufferPool: BufferPool;
  onClosed(connection: Connection): void;
}

export class Connection {
  lastActiveMs: number;
  /** queuedOutputBytes at the last idle check. */
  private queuedAtLastCheck = 0;
  private readonly remote: string;
  private processing = false;
  private closed = false;
  private closeAfterResponse: string | null = null;

  /**
   * `directReads`: whether the socket reads where `reader` says and reports through `onRead`;
   * otherwise its 'data' events are read, and it is resumed here (it was accepted paused).
   */
  constructor(private readonly socket: Socket, private readonly owner: ConnectionOwner, private readonly reader: FrameReader, directReads: boolean) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.lastActiveMs = owner.services.clock();
    socket.setNoDelay(true);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    if (!directReads) {
      socket.on('data', this.onData);
      socket.resume();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** `count` bytes were read into `target`, a buffer the reader chose. */
  onRead(target: Buffer, count: number): void {
    this.reader.onRead(target, count);
    this.afterRead();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    this.afterRead();
  };

  private afterRead(): void {
    this.lastActiveMs = this.owner.services.clock();
    if (this.processing) return;
    // A large request arrives in many socket reads; only the read that completes it starts work.
    const frame = this.nextFrame();
    if (frame !== null) void this.pump(frame);
  }

  private readonly onError = (err: Error): void => {
    this.owner.logger.debug({ client: this.remote, err: err.message }, 'connection error');
  };

  private readonly onClose = (): void => {
    this.closed = true;
    // A request still being handled gives its frame back when it finishes (pump).
    this.reader.dispose();
    this.owner.onClosed(this);
  };

  /**
   * Whether nothing moved either way since `cutoffMs`. Output draining to the client counts as
   * activity, as in Kafka, whose idle clock runs on reads and writes: counting reads alone cut off a
   * client still reading a response that takes longer than connections.max.idle.ms to drain. A
   * client that stopped reading makes no progress and is still idle.
   */
  isIdleSince(cutoffMs: number): boolean {
    const queued = queuedOutputBytes(this.socket);
    if (queued !== this.queuedAtLastCheck) {
      this.queuedAtLastCheck = queued;
      this.lastActiveMs = this.owner.services.clock();
    }
    return this.lastActiveMs < cutoffMs;
  }

  close(reason: string, level: 'warn' | 'debug' = 'warn'): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.logger[level]({ client: this.remote, reason }, 'closing connection');
    this.socket.destroy();
  }

  /** The next whole frame; null until more bytes arrive, or once a bad frame has closed the connection. */
  private nextFrame(): Frame | null {
    try {
      return this.closed ? null : this.reader.next();
    } catch (err) {
      if (err instanceof FrameSizeError) {
        this.close(err.message);
      } else {
        this.owner.logger.error({ client: this.remote, err }, 'unexpected failure reading a request');
        this.close('unexpected failure reading a request');
      }
      return null;
    }
  }

  /** Handles `first` and every whole frame buffered behind it, one at a time, reading paused. */
  private async pump(first: Frame): Promise<void> {
    this.processing = true;
    this.socket.pause();
    try {
      for (let frame: Frame | null = first; frame !== null; frame = this.nextFrame()) {
        try {
          await this.handleFrame(frame.bytes);
        } finally {
          // The request is handled and answered: nothing holds a view of a pooled frame any more.
          this.reader.release(frame);
        }
        if (this.closeAfterResponse !== null) {
          this.close(this.closeAfterResponse);
          return;
        }
        if (this.socket.writableNeedDrain) await this.drained();
      }
    } catch (err) {
      this.owner.logger.error({ client: this.remote, err }, 'unexpected failure handling a request');
      this.close('unexpected failure handling a request');
    } finally {
      this.processing = false;
      if (!this.closed) this.socket.resume();
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private async handleFrame(frame: Buffer): Promise<void> {
    if (frame.length < MIN_HEADER_BYTES) {
      this.close(`request of ${frame.length} bytes is shorter than a request header`);
      return;
    }
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const entry = this.owner.dispatcher.lookup(apiKey);
    if (!entry) {
      this.close(`unknown API key ${apiKey}`);
      return;
    }
    const { api, handler } = entry;
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) {
        this.sendUnsupportedApiVersions(correlationId);
        return;
      }
      this.close(`${api.name} v${apiVersion} is not supported (${handler.minVersion}-${handler.maxVersion})`);
      return;
    }
    let clientId: string | null;
    let body: unknown;
    try {
      const reader = new Reader(frame);
      clientId = RequestHeader.read(reader, requestHeaderVersion(api, apiVersion)).clientId;
      body = api.request.read(reader, apiVersion);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.close(`malformed ${api.name} v${apiVersion} request (correlation id ${correlationId}): ${err.message}`);
        return;
      }
      throw err;
    }
    const readBuffers = new ResponseBuffers(this.owner.readBufferPool);
    const ctx: RequestContext = {
      broker: this.owner.services,
      apiKey,
      apiVersion,
      correlationId,
      clientId,
      clientAddress: this.remote,
      closeConnection: (reason) => {
        this.closeAfterResponse = reason;
      },
      readBuffers,
    };
    let response: unknown;
    try {
      response = await handler.handle(ctx, body);
    } catch (err) {
      readBuffers.release();
      throw err;
    }
    if (response !== null && !this.closed) {
      this.send(api, apiVersion, correlationId, response, readBuffers);
    } else {
      readBuffers.release();
    }
  }

  private sendUnsupportedApiVersions(correlationId: number): void {
    const body = {
      ...defaultApiVersionsResponse(),
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: advertisedApiVersions(this.owner.services.apiVersions()),
    };
    const w = new Writer();
    ResponseHeader.write(w, { correlationId }, 0);
    ApiVersionsResponse.write(w, body, 0);
    this.write(w);
  }

  private send(api: ApiSpec, apiVersion: number, correlationId: number, body: unknown, readBuffers: ResponseBuffers): void {
    const w = new Writer();
    try {
      ResponseHeader.write(w, { correlationId }, responseHeaderVersion(api, apiVersion));
      api.response.write(w, body, apiVersion);
    } catch (err) {
      readBuffers.release();
      throw err;
    }
    this.write(w, readBuffers.isEmpty ? undefined : () => readBuffers.release());
  }

  /** Writes `w` as one frame; `onWritten` runs once the kernel has every byte (or the write failed). */
  private write(w: Writer, onWritten?: () => void): void {
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(w.length, 0);
    const socket = this.socket;
    socket.cork();
    socket.write(size);
    const chunks = w.toChunks();
    for (let i = 0; i < chunks.length; i++) socket.write(chunks[i]!, i === chunks.length - 1 ? onWritten : undefined);
    socket.uncork();
  }
}
