/**
 * A minimal Kafka client over one socket, built on our own codecs: send a typed request at a
 * chosen version, get the typed response. For tests that need exact control of what goes on the
 * wire (versions, malformed frames); real-client behaviour is judged by the third-party clients.
 */
import { type Socket, connect } from 'node:net';
import {
  API_BY_KEY, RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion,
} from '../../src/protocol/generated/index.js';
import { Reader, Writer } from '../../src/protocol/primitives/index.js';

interface Pending {
  readonly apiKey: number;
  readonly version: number;
  readonly resolve: (body: unknown) => void;
  readonly reject: (err: Error) => void;
}

export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private closedError: Error | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error): void => {
      this.closedError = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the broker')));
  }

  static connect(host: string, port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends `body` as API `apiKey` at `version`; resolves with the decoded response body. */
  request<Res = unknown>(apiKey: number, version: number, body: unknown, clientId: string | null = 'raw-client'): Promise<Res> {
    const api = API_BY_KEY.get(apiKey);
    if (!api) throw new Error(`unknown api ${apiKey}`);
    const correlationId = this.nextCorrelationId++;
    const w = new Writer();
    RequestHeader.write(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId }, requestHeaderVersion(api, version));
    api.request.write(w, body, version);
    this.sendFrame(w.toBuffer());
    return new Promise<Res>((resolve, reject) => {
      if (this.closedError) reject(this.closedError);
      else this.pending.set(correlationId, { apiKey, version, resolve: resolve as (b: unknown) => void, reject });
    });
  }

  /** Writes raw bytes as one size-prefixed frame. */
  sendFrame(payload: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const pending = this.pending.get(correlationId);
      if (!pending) continue;
      this.pending.delete(correlationId);
      const api = API_BY_KEY.get(pending.apiKey)!;
      try {
        const r = new Reader(frame);
        ResponseHeader.read(r, responseHeaderVersion(api, pending.version));
        pending.resolve(api.response.read(r, pending.version));
      } catch (err) {
        pending.reject(err as Error);
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
