/**
 * FuzzLane: one client connection of a live-broker fuzz run. Each round sends one hostile case
 * (test/support/hostile-frames.ts), completes with zero bytes a frame the case left open (the
 * broker rightly waits for the rest), then sends an ApiVersions v0 probe, and judges what came back:
 *
 * - every response answers a request of the round, in request order, and decodes whole as the
 *   response to that request's API and version (ApiVersions at an unserved version: a v0 answer
 *   with UNSUPPORTED_VERSION); an unserved API key or version is never answered;
 * - then either the probe is answered — and every request before it was, but an acks=0 Produce —
 *   or the broker closed the connection; a size prefix outside [0, socket.request.max.bytes] must
 *   close it;
 * - a round that does neither within `roundTimeoutMs` is a hang (a watchdog calls
 *   `abandonIfStalled`).
 *
 * When the broker closes the connection, the next round opens a new one.
 */
import type { ApiVersionRange } from '../../src/broker/api-handler.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  API_BY_KEY, ProduceRequest, RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion,
} from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/primitives/index.js';
import { FrameSocket, sizePrefixed } from './frame-socket.js';
import {
  CASE_KINDS, type CaseKind, FrameBoundaryModel, type HostileCase, type RequestPool, type SeededRandom, hostileCase,
} from './hostile-frames.js';

const API_VERSIONS_KEY = 18;
const PRODUCE_KEY = 0;

/** How the cases of one kind ended: answered (the probe too), the connection closed, or no answer owed. */
export interface KindTally { answered: number; closed: number; silent: number }

/** What the lanes did, shared by all of them; failures keep their case's kind and bytes. */
export class FuzzTally {
  cases = 0;
  frames = 0;
  responses = 0;
  connections = 0;
  closedByBroker = 0;
  readonly byKind = new Map<CaseKind, KindTally>(CASE_KINDS.map((k) => [k, { answered: 0, closed: 0, silent: 0 }]));
  readonly failures: string[] = [];

  fail(c: HostileCase, what: string): void {
    if (this.failures.length < 10) this.failures.push(`${c.kind} case: ${what}; bytes ${c.wire.subarray(0, 512).toString('hex')}`);
  }
}

function probeFrame(correlationId: number): Buffer {
  const b = Buffer.alloc(14);
  b.writeInt16BE(API_VERSIONS_KEY, 0);
  b.writeInt16BE(0, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(4, 8);
  b.write('pr0b', 10);
  return sizePrefixed(b);
}

/** Checks `response` is a well-formed answer to `request`; returns what is wrong, or null. */
function judgeResponse(served: ReadonlyMap<number, ApiVersionRange>, request: Buffer, response: Buffer): string | null {
  const apiKey = request.readInt16BE(0);
  const version = request.readInt16BE(2);
  const range = served.get(apiKey);
  const api = API_BY_KEY.get(apiKey);
  if (range === undefined || api === undefined) return `answered a request for API key ${apiKey}, which it does not serve`;
  const isSupported = version >= range.minVersion && version <= range.maxVersion;
  if (!isSupported && apiKey !== API_VERSIONS_KEY) return `answered ${api.name} v${version}, a version it does not serve`;
  try {
    const r = new Reader(response);
    ResponseHeader.read(r, isSupported ? responseHeaderVersion(api, version) : 0);
    const body = api.response.read(r, isSupported ? version : 0) as { errorCode?: number };
    if (r.pos !== response.length) return `${api.name} v${version} response has ${response.length - r.pos} trailing bytes`;
    if (!isSupported && body.errorCode !== ErrorCode.UNSUPPORTED_VERSION) return `ApiVersions v${version} answered with error ${body.errorCode}`;
    return null;
  } catch (err) {
    return `${api.name} v${version} response does not decode: ${String(err)}`;
  }
}

/** Only an acks=0 Produce takes no response (Kafka sends none). */
function isAcksZeroProduce(request: Buffer): boolean {
  if (request.length < 8 || request.readInt16BE(0) !== PRODUCE_KEY) return false;
  try {
    const version = request.readInt16BE(2);
    const r = new Reader(request);
    RequestHeader.read(r, requestHeaderVersion(API_BY_KEY.get(PRODUCE_KEY)!, version));
    return ProduceRequest.read(r, version).acks === 0;
  } catch {
    return false;
  }
}

export interface FuzzLaneOptions {
  readonly port: number;
  readonly pool: RequestPool;
  readonly rng: SeededRandom;
  /** The broker's socket.request.max.bytes. */
  readonly maxFrameBytes: number;
  /** What the broker serves, by API key (ApiVersions' list). */
  readonly served: ReadonlyMap<number, ApiVersionRange>;
  /** A round that neither answers nor closes within this long counts as a hang. */
  readonly roundTimeoutMs: number;
  readonly tally: FuzzTally;
}

/** One client connection sending cases one round at a time, reconnecting when the broker closes it. */
export class FuzzLane {
  private socket: FrameSocket | null = null;
  private readonly model: FrameBoundaryModel;
  private roundStartedMs = 0;
  private isStalled = false;

  constructor(private readonly options: FuzzLaneOptions) {
    this.model = new FrameBoundaryModel(options.maxFrameBytes);
  }

  async run(shouldContinue: () => boolean): Promise<void> {
    try {
      while (shouldContinue()) {
        this.options.tally.cases++;
        await this.round(hostileCase(this.options.rng, this.options.pool, this.options.maxFrameBytes));
      }
    } finally {
      this.socket?.close();
    }
  }

  /** Called by the watchdog: a round that hangs is a failure, and its connection is dropped. */
  abandonIfStalled(nowMs: number): void {
    if (this.roundStartedMs === 0 || nowMs - this.roundStartedMs < this.options.roundTimeoutMs) return;
    this.isStalled = true;
    this.socket?.close();
  }

  private async connection(): Promise<FrameSocket> {
    if (this.socket === null || this.socket.hasClosed) {
      this.socket = await FrameSocket.connect(this.options.port);
      this.options.tally.connections++;
    }
    return this.socket;
  }

  private async deliver(socket: FrameSocket, bytes: Buffer, isSplit: boolean): Promise<void> {
    if (!isSplit) {
      socket.write(bytes);
      return;
    }
    for (let at = 0; at < bytes.length;) {
      const n = this.options.rng.between(1, 7);
      socket.write(bytes.subarray(at, at + n));
      at += n;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async round(c: HostileCase): Promise<void> {
    const socket = await this.connection();
    const framing = this.model.split(c.wire);
    const probeId = this.options.rng.uint32() | 0;
    // The case itself may go in small writes; the zeros completing it and the probe go in one.
    const tail: Buffer[] = [Buffer.alloc(framing.padding)];
    if (!framing.mustClose) tail.push(probeFrame(probeId));
    this.roundStartedMs = Date.now();
    this.isStalled = false;
    await this.deliver(socket, c.wire, c.isSplit);
    socket.write(Buffer.concat(tail));
    this.options.tally.frames += framing.frames.length;
    const { answered, isProbeAnswered } = await this.readAnswers(c, socket, framing.frames, framing.mustClose ? null : probeId);
    this.roundStartedMs = 0;
    this.judgeRound(c, socket, framing.frames, answered, isProbeAnswered, framing.mustClose);
  }

  /** Matches responses to the round's frames in order, until the probe's answer or the close. */
  private async readAnswers(c: HostileCase, socket: FrameSocket, frames: readonly Buffer[], probeId: number | null): Promise<{ answered: Set<number>; isProbeAnswered: boolean }> {
    const answered = new Set<number>();
    let cursor = 0;
    for (let response = await socket.next(); response !== null; response = await socket.next()) {
      this.options.tally.responses++;
      const correlationId = response.readInt32BE(0);
      let index = cursor;
      while (index < frames.length && (frames[index]!.length < 8 || frames[index]!.readInt32BE(4) !== correlationId)) index++;
      if (index < frames.length) {
        const problem = judgeResponse(this.options.served, frames[index]!, response);
        if (problem !== null) this.options.tally.fail(c, problem);
        answered.add(index);
        cursor = index + 1;
        continue;
      }
      if (correlationId === probeId) {
        const problem = judgeResponse(this.options.served, probeFrame(probeId).subarray(4), response);
        if (problem !== null) this.options.tally.fail(c, `probe: ${problem}`);
        return { answered, isProbeAnswered: true };
      }
      this.options.tally.fail(c, `response with correlation id ${correlationId} answers no request of this round, or came out of order`);
      socket.close();
    }
    return { answered, isProbeAnswered: false };
  }

  private judgeRound(c: HostileCase, socket: FrameSocket, frames: readonly Buffer[], answered: ReadonlySet<number>, isProbeAnswered: boolean, mustClose: boolean): void {
    const kind = this.options.tally.byKind.get(c.kind)!;
    if (this.isStalled) {
      this.options.tally.fail(c, `neither answered nor closed within ${this.options.roundTimeoutMs} ms`);
      return;
    }
    if (isProbeAnswered) {
      if (mustClose) this.options.tally.fail(c, 'a size prefix outside [0, socket.request.max.bytes] did not close the connection');
      frames.forEach((frame, i) => {
        if (!answered.has(i) && !isAcksZeroProduce(frame)) this.options.tally.fail(c, `frame ${i} got no response, yet the connection stayed open`);
      });
      if (answered.size > 0) kind.answered++;
      else kind.silent++;
      return;
    }
    if (socket.wasClosedByBroker) {
      this.options.tally.closedByBroker++;
      kind.closed++;
      return;
    }
    this.options.tally.fail(c, 'the round ended without a probe answer or a close by the broker');
  }
}
