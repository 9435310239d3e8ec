/**
 * One socket to a Kafka broker for the benchmarks that speak the protocol themselves
 * (bench/group-member.ts): requests at one fixed version each, encoded with the generated codecs and
 * request header, any number in flight, each answered by its correlation id. No ApiVersions
 * handshake: the mock cluster answers a newer ApiVersions than it knows in a form src/client cannot
 * parse (see broker-admin.ts), so the versions here are ones both Samsa and librdkafka 2.0.2's mock
 * serve (the mock's ranges, rdkafka_mock_handlers.c: FindCoordinator 0-2, JoinGroup 0-5,
 * SyncGroup 0-3, Heartbeat 0-3, LeaveGroup 0-1, OffsetCommit 0-7, OffsetFetch 0-5).
 */
import { connect, type Socket } from 'node:net';
import {
  API_BY_KEY, ApiVersionsRequest, ApiVersionsResponse, FindCoordinatorRequest, FindCoordinatorResponse, HeartbeatRequest,
  HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest,
  OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, RequestHeader, ResponseHeader, requestHeaderVersion,
  responseHeaderVersion, SyncGroupRequest, SyncGroupResponse, type ApiSpec,
} from '../src/protocol/generated/index.js';
import { type MessageCodec, Reader, Writer } from '../src/protocol/primitives/index.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** Request header v1/v2: size, api key, api version, then the correlation id. */
const CORRELATION_ID_OFFSET = 8;

export interface RawApi<Req, Res> {
  readonly spec: ApiSpec;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** The one version this bench speaks. */
  readonly version: number;
}

function rawApi<Req, Res>(apiKey: number, request: MessageCodec<Req>, response: MessageCodec<Res>, version: number): RawApi<Req, Res> {
  const spec = API_BY_KEY.get(apiKey);
  if (!spec) throw new Error(`no generated codecs for API key ${apiKey}`);
  return { spec, request, response, version };
}

export const API_VERSIONS = rawApi(18, ApiVersionsRequest, ApiVersionsResponse, 0);
export const FIND_COORDINATOR = rawApi(10, FindCoordinatorRequest, FindCoordinatorResponse, 2);
export const JOIN_GROUP = rawApi(11, JoinGroupRequest, JoinGroupResponse, 5);
export const SYNC_GROUP = rawApi(14, SyncGroupRequest, SyncGroupResponse, 3);
export const HEARTBEAT = rawApi(12, HeartbeatRequest, HeartbeatResponse, 3);
export const LEAVE_GROUP = rawApi(13, LeaveGroupRequest, LeaveGroupResponse, 1);
export const OFFSET_COMMIT = rawApi(8, OffsetCommitRequest, OffsetCommitResponse, 7);
export const OFFSET_FETCH = rawApi(9, OffsetFetchRequest, OffsetFetchResponse, 5);

/** A request encoded once (correlation id 0) and sent many times with a fresh id patched in. */
export interface EncodedRequest<Res> {
  readonly frame: Buffer;
  readonly api: RawApi<unknown, Res>;
}

export function encodeRequest<Req, Res>(api: RawApi<Req, Res>, body: Req): EncodedRequest<Res> {
  const w = new Writer();
  w.writeInt32(0);
  RequestHeader.write(w, { requestApiKey: api.spec.apiKey, requestApiVersion: api.version, correlationId: 0, clientId: 'samsa-bench' }, requestHeaderVersion(api.spec, api.version));
  api.request.write(w, body, api.version);
  const frame = Buffer.concat(w.toChunks());
  frame.writeInt32BE(frame.length - 4, 0);
  return { frame, api: api as RawApi<unknown, Res> };
}

interface PendingRequest {
  readonly headerVersion: number;
  readonly settle: (body: Reader | Error) => void;
}

/** One socket to a broker; any number of requests in flight, each answered by correlation id. */
export class RawConnection {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private buffered: Buffer = Buffer.alloc(0);
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket, readonly bootstrap: string) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error(`connection to ${bootstrap} closed`)));
  }

  static connect(bootstrap: string): Promise<RawConnection> {
    const at = bootstrap.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const socket = connect({ host: bootstrap.slice(0, at), port: Number(bootstrap.slice(at + 1)) });
      const timer = setTimeout(() => socket.destroy(new Error(`no connection to ${bootstrap} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.on('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket, bootstrap));
        socket.off('error', onError);
      });
    });
  }

  request<Req, Res>(api: RawApi<Req, Res>, body: Req): Promise<Res> {
    return this.send(encodeRequest(api, body));
  }

  /** The bytes are handed to the socket before this returns; the promise settles with the answer. */
  send<Res>(request: EncodedRequest<Res>): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const frame = Buffer.from(request.frame);
    frame.writeInt32BE(correlationId, CORRELATION_ID_OFFSET);
    const { api } = request;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(correlationId, {
        headerVersion: responseHeaderVersion(api.spec, api.version),
        settle: (body) => {
          if (body instanceof Error) reject(body);
          else resolve(api.response.read(body, api.version));
        },
      });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.fail(new Error(`connection to ${this.bootstrap} closed by the bench`));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const payload = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      this.deliver(payload);
    }
  }

  private deliver(payload: Buffer): void {
    // Both response header versions start with the correlation id.
    const correlationId = payload.readInt32BE(0);
    const request = this.pending.get(correlationId);
    if (!request) {
      this.fail(new Error(`${this.bootstrap} answered unknown correlation id ${correlationId}`));
      this.socket.destroy();
      return;
    }
    this.pending.delete(correlationId);
    const reader = new Reader(payload);
    try {
      ResponseHeader.read(reader, request.headerVersion);
      request.settle(reader);
    } catch (err) {
      request.settle(err as Error);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const request of this.pending.values()) request.settle(err);
    this.pending.clear();
  }
}
