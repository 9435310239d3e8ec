/**
 * KafkaConnection: one TCP connection to one broker. Requests are framed as Kafka frames them
 * (4-byte size, request header, body) and may be pipelined: each gets the next correlation id,
 * and a response is matched to its request by that id (a broker answers in request order, so a
 * response for an id nobody waits for means the stream is broken, and the connection is closed).
 *
 * `connect` opens the socket (bounded by `connectTimeoutMs`) and asks ApiVersions which versions
 * the broker serves, at the newest ApiVersions version first; a broker that does not know it
 * answers UNSUPPORTED_VERSION in a v0 body listing its range, and the request is repeated at the
 * highest version it accepts (KIP-511). `versionFor(api)` is then the highest version inside both
 * the broker's range and the client's.
 *
 * A request that gets no answer within its timeout fails, and so does the connection: responses
 * arrive in order, so nothing after a lost one can be trusted (Kafka's clients disconnect too).
 */
import { createRequire } from 'node:module';
import { connect as netConnect, type Socket } from 'node:net';
import { ErrorCode } from '../protocol/error-codes.js';
import { FrameDecoder, FrameSizeError } from '../protocol/frame-decoder.js';
import { RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion } from '../protocol/generated/index.js';
import { Reader, Writer } from '../protocol/primitives/index.js';
import { API_VERSIONS, type ClientApi } from './client-api.js';
import { BrokerConnectionError, UnsupportedApiError, connectFailure } from './client-errors.js';

export interface KafkaConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Sent in every request header; brokers log it. Default `samsa`. */
  readonly clientId?: string;
  /** Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** How long a request may wait for its response, unless the request says otherwise. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Responses larger than this close the connection. Default 256 MiB. */
  readonly maxResponseBytes?: number;
}

export interface RequestOptions {
  /** Overrides the connection's requestTimeoutMs (a long-poll Fetch needs more than its maxWaitMs). */
  readonly timeoutMs?: number;
}

interface VersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

interface InFlight {
  readonly api: ClientApi<unknown, unknown>;
  readonly version: number;
  readonly resolve: (body: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** KIP-511: the client's name and version, which brokers show in their metrics and logs. */
const CLIENT_SOFTWARE_NAME = 'samsa';
const CLIENT_SOFTWARE_VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
const SIZE_BYTES = 4;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export class KafkaConnection {
  readonly address: string;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly inFlight = new Map<number, InFlight>();
  private brokerVersions: ReadonlyMap<number, VersionRange> = new Map();
  private nextCorrelationId = 1;
  private readonly decoder: FrameDecoder;
  private failure: Error | null = null;
  private isClosed = false;

  private constructor(private readonly socket: Socket, options: KafkaConnectionOptions) {
    this.address = `${options.host}:${options.port}`;
    this.clientId = options.clientId ?? 'samsa';
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Every response starts with its correlation id.
    this.decoder = new FrameDecoder(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 4);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Connects and negotiates API versions; rejects with BrokerConnectionError when nothing answers. */
  static async connect(options: KafkaConnectionOptions): Promise<KafkaConnection> {
    const socket = await openSocket(options);
    const connection = new KafkaConnection(socket, options);
    try {
      await connection.negotiateVersions();
    } catch (err) {
      connection.close();
      throw err;
    }
    return connection;
  }

  /** Whether the broker serves `api` at a version this client can build. */
  supports<Req, Res>(api: ClientApi<Req, Res>): boolean {
    const range = this.brokerVersions.get(api.spec.apiKey);
    return range !== undefined && Math.min(range.maxVersion, api.maxVersion) >= Math.max(range.minVersion, api.minVersion);
  }

  /** The highest version of `api` both sides support; UnsupportedApiError when there is none. */
  versionFor<Req, Res>(api: ClientApi<Req, Res>): number {
    const range = this.brokerVersions.get(api.spec.apiKey);
    const name = api.spec.name;
    if (!range) throw new UnsupportedApiError(name, `the broker at ${this.address} does not support ${name} (API key ${api.spec.apiKey})`);
    const version = Math.min(range.maxVersion, api.maxVersion);
    if (version < Math.max(range.minVersion, api.minVersion)) {
      throw new UnsupportedApiError(name, `the broker at ${this.address} serves ${name} versions ${range.minVersion}-${range.maxVersion}, this client ${api.minVersion}-${api.maxVersion}`);
    }
    return version;
  }

  /** Sends `body` as `api` at the negotiated version; rejects with UnsupportedApiError when there is none. */
  async send<Req, Res>(api: ClientApi<Req, Res>, body: Req, options: RequestOptions = {}): Promise<Res> {
    return this.request(api, this.versionFor(api), body, options);
  }

  /** Sends `body` as `api` at `version`; resolves with the decoded response body. */
  request<Req, Res>(api: ClientApi<Req, Res>, version: number, body: Req, options: RequestOptions = {}): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      const correlationId = this.write(api, version, body);
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const timer = setTimeout(() => this.timedOut(api, timeoutMs), timeoutMs);
      this.inFlight.set(correlationId, {
        api: api as ClientApi<unknown, unknown>, version, resolve: resolve as (b: unknown) => void, reject, timer,
      });
    });
  }

  /**
   * Sends a request that takes no response (Produce with acks=0); resolves once the bytes are
   * handed to the socket.
   */
  sendWithoutResponse<Req, Res>(api: ClientApi<Req, Res>, version: number, body: Req): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.write(api, version, body);
    return Promise.resolve();
  }

  /** Closes the socket once written bytes are flushed; requests still waiting fail. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.fail(new BrokerConnectionError(this.address, `the connection to ${this.address} was closed`, undefined, false));
    this.socket.end(() => this.socket.destroy());
  }

  private write<Req, Res>(api: ClientApi<Req, Res>, version: number, body: Req): number {
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) | 0;
    const w = new Writer();
    w.writeInt32(0);
    RequestHeader.write(w, {
      requestApiKey: api.spec.apiKey, requestApiVersion: version, correlationId, clientId: this.clientId,
    }, requestHeaderVersion(api.spec, version));
    api.request.write(w, body, version);
    const chunks = w.toChunks();
    const size = w.length - SIZE_BYTES;
    chunks[0]!.writeInt32BE(size, 0);
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    return correlationId;
  }

  private async negotiateVersions(): Promise<void> {
    const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
    let response = await this.request(API_VERSIONS, API_VERSIONS.maxVersion, body);
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const theirs = response.apiKeys.find((k) => k.apiKey === API_VERSIONS.spec.apiKey);
      const version = Math.min(theirs?.maxVersion ?? 0, API_VERSIONS.maxVersion);
      response = await this.request(API_VERSIONS, version, body);
    }
    if (response.errorCode !== ErrorCode.NONE) {
      throw new UnsupportedApiError('ApiVersions', `the broker at ${this.address} refused ApiVersions with error code ${response.errorCode}`);
    }
    this.brokerVersions = new Map(response.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
  }

  private readonly onData = (chunk: Buffer): void => {
    this.decoder.push(chunk);
    try {
      for (let frame = this.decoder.next(); frame !== null; frame = this.decoder.next()) this.onFrame(frame);
    } catch (err) {
      const failure = err instanceof FrameSizeError
        ? new BrokerConnectionError(this.address, `the broker at ${this.address} sent a response whose ${err.message}`, undefined, false)
        : err as Error;
      this.fail(failure);
      this.socket.destroy();
    }
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    const reason = err.code === 'ECONNRESET' ? 'reset the connection' : `failed: ${err.message}`;
    this.fail(new BrokerConnectionError(this.address, `the broker at ${this.address} ${reason}`, err.code, false));
  };

  private readonly onClose = (): void => {
    this.fail(new BrokerConnectionError(this.address, `the broker at ${this.address} closed the connection`, undefined, false));
  };

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.inFlight.get(correlationId);
    if (!pending) {
      throw new BrokerConnectionError(this.address, `the broker at ${this.address} answered correlation id ${correlationId}, which no request is waiting for`, undefined, false);
    }
    this.inFlight.delete(correlationId);
    clearTimeout(pending.timer);
    try {
      pending.resolve(decodeResponse(pending, frame));
    } catch (err) {
      pending.reject(err as Error);
    }
  }

  private timedOut(api: ClientApi<unknown, unknown>, timeoutMs: number): void {
    this.fail(new BrokerConnectionError(this.address, `the broker at ${this.address} did not answer ${api.spec.name} within ${timeoutMs} ms`, 'ETIMEDOUT', false));
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const pending of this.inFlight.values()) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.inFlight.clear();
  }
}

function decodeResponse(pending: InFlight, frame: Buffer): unknown {
  const spec = pending.api.spec;
  const r = new Reader(frame);
  ResponseHeader.read(r, responseHeaderVersion(spec, pending.version));
  // A broker that does not know the requested ApiVersions version answers in a v0 body (KIP-511).
  // Its error code is the first field in every version.
  if (spec.apiKey === API_VERSIONS.spec.apiKey && pending.version > 0 && frame.readInt16BE(r.pos) === ErrorCode.UNSUPPORTED_VERSION) {
    return pending.api.response.read(r, 0);
  }
  return pending.api.response.read(r, pending.version);
}

function openSocket(options: KafkaConnectionOptions): Promise<Socket> {
  const address = `${options.host}:${options.port}`;
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: options.host, port: options.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new BrokerConnectionError(address, `no broker at ${address}: connection timed out after ${timeoutMs} ms`, 'ETIMEDOUT', true));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectFailure(address, err));
    });
  });
}
