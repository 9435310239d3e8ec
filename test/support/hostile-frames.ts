/**
 * Hostile request frames for a live broker, and a model of how the broker splits a byte stream
 * into frames.
 *
 * - `RequestPool`: valid request frames (header + body) for every API and version a broker serves,
 *   from the fast-check arbitraries of test/support/spec-arbitraries.ts. Waits and timeouts are cut
 *   to at most 100 ms so no valid sample parks a connection for long, and some `records` fields
 *   carry a real record batch so the append path sees well-formed and then mutated batches.
 * - `hostileCase`: one case of wire bytes from a seeded generator — random bytes, valid frames,
 *   truncated, mutated (bit flips, inserted/deleted bytes, lengths overwritten with huge values),
 *   forged size prefixes (off by a little, huge, negative), unknown API keys, unsupported versions,
 *   request headers cut short.
 * - `FrameBoundaryModel`: replays the broker's framing (4-byte size, refused outside
 *   [0, socket.request.max.bytes]) over the bytes a client sent, so a test knows which frames the
 *   broker will see, how many zero bytes complete a frame left open, and when it must close.
 */
import fc from 'fast-check';
import type { ApiVersionRange } from '../../src/broker/api-handler.js';
import {
  API_BY_KEY, API_SPECS, RequestHeader, requestHeaderVersion,
} from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/primitives/index.js';
import { encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import { sizePrefixed } from './frame-socket.js';
import {
  MessageArbitraries, allMessages, codecOf, loadGeneratedModule, loadSpecSet,
} from './spec-arbitraries.js';

/** mulberry32: a small seeded generator, so every run of a seed sends the same bytes. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return this.uint32() % n;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(p: number): boolean {
    return this.uint32() < p * 0x100000000;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** Bytes that form plausible counts and flags more often than uniform bytes would. */
  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.chance(0.4) ? this.pick(PLAUSIBLE_BYTES) : this.below(256);
    return out;
  }
}

const PLAUSIBLE_BYTES = [0, 1, 2, 3, 0x7f, 0x80, 0xff];

/** One valid request frame (without its size prefix); bytes 4-7 are the correlation id. */
export interface PooledRequest {
  readonly apiKey: number;
  readonly version: number;
  readonly name: string;
  readonly bytes: Buffer;
  readonly headerBytes: number;
}

const WAIT_FIELD = /timeout|wait/i;
const MAX_WAIT_MS = 100;

/** Caps waits and timeouts, and puts real record batches in some `records` fields. */
function sanitize(value: unknown, rng: SeededRandom): unknown {
  if (Array.isArray(value)) return value.map((v) => sanitize(v, rng));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'number' && WAIT_FIELD.test(name) && field > MAX_WAIT_MS) out[name] = field % (MAX_WAIT_MS + 1);
    else if (name === 'records' && field !== null && rng.chance(0.5)) out[name] = recordBatch(rng);
    else out[name] = sanitize(field, rng);
  }
  return out;
}

function recordBatch(rng: SeededRandom): Buffer {
  const count = rng.between(1, 3);
  return encodeRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({ key: rng.chance(0.5) ? null : rng.bytes(4), value: rng.bytes(rng.below(24)), timestamp: 1_700_000_000_000 + i })),
  });
}

export class RequestPool {
  private constructor(readonly requests: readonly PooledRequest[], readonly served: readonly ApiVersionRange[]) {}

  /** `perVersion` valid samples of every served API at every served version. */
  static async build(served: readonly ApiVersionRange[], seed: number, perVersion: number): Promise<RequestPool> {
    const rng = new SeededRandom(seed);
    const byKey = new Map(served.map((s) => [s.apiKey, s]));
    const requests: PooledRequest[] = [];
    for (const { spec, file } of allMessages(loadSpecSet())) {
      const range = spec.type === 'request' && spec.apiKey !== undefined ? byKey.get(spec.apiKey) : undefined;
      if (range === undefined) continue;
      const api = API_BY_KEY.get(range.apiKey)!;
      const mod = await loadGeneratedModule(file);
      const codec = codecOf(mod, spec);
      const arbs = new MessageArbitraries(mod, spec);
      for (let version = range.minVersion; version <= range.maxVersion; version++) {
        for (const value of fc.sample(arbs.messageArb(version), { seed: seed + version, numRuns: perVersion })) {
          const headerVersion = requestHeaderVersion(api, version);
          const header = new Writer();
          RequestHeader.write(header, {
            requestApiKey: api.apiKey, requestApiVersion: version, correlationId: 0, clientId: headerVersion === 0 ? '' : 'fuzz',
          }, headerVersion);
          const headerBytes = header.toBuffer();
          const body = codec.encode(sanitize(value, rng), version);
          requests.push({ apiKey: api.apiKey, version, name: api.name, bytes: Buffer.concat([headerBytes, body]), headerBytes: headerBytes.length });
        }
      }
    }
    return new RequestPool(requests, served);
  }

  /** A copy of a random pooled request with a fresh correlation id. */
  take(rng: SeededRandom): { readonly request: PooledRequest; readonly bytes: Buffer } {
    const request = rng.pick(this.requests);
    const bytes = Buffer.from(request.bytes);
    bytes.writeInt32BE(rng.uint32() | 0, 4);
    return { request, bytes };
  }
}

// Lengths a forger would pick, as they sit on the wire: int16, int32 and unsigned varints.
const HUGE_PATTERNS: readonly Buffer[] = [
  '7fff', 'fffe', '8000', '7fffffff', 'fffffffe', '80000000',
  'ffffffff0f', 'ffffffff07', 'ffffffff7f', 'ffffffffff01',
].map((hex) => Buffer.from(hex, 'hex'));

function splice(bytes: Buffer, at: number, removed: number, inserted: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(Math.min(bytes.length, at + removed))]);
}

/** One to four edits: a bit flip, inserted or deleted bytes, or a huge length written over bytes. */
export function mutate(bytes: Buffer, rng: SeededRandom): Buffer {
  let out = bytes;
  for (let edits = rng.between(1, 4); edits > 0; edits--) {
    const at = rng.below(out.length + 1);
    switch (rng.below(4)) {
      case 0:
        if (out.length === 0) break;
        out = Buffer.from(out);
        out[at % out.length] ^= 1 << rng.below(8);
        break;
      case 1: out = splice(out, at, 0, rng.bytes(rng.between(1, 8))); break;
      case 2: out = splice(out, at, rng.between(1, 8), Buffer.alloc(0)); break;
      default: { const p = rng.pick(HUGE_PATTERNS); out = splice(out, at, p.length, p); }
    }
  }
  return out;
}

export const CASE_KINDS = [
  'random-stream', 'random-frame', 'valid', 'truncated', 'mutated', 'forged-size', 'huge-size',
  'header-cut', 'unknown-api', 'bad-version',
] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

const KIND_WEIGHTS: readonly (readonly [CaseKind, number])[] = [
  ['random-stream', 4], ['random-frame', 10], ['valid', 12], ['truncated', 12], ['mutated', 26],
  ['forged-size', 10], ['huge-size', 4], ['header-cut', 6], ['unknown-api', 8], ['bad-version', 8],
];
const TOTAL_WEIGHT = KIND_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

export interface HostileCase {
  readonly kind: CaseKind;
  /** What goes on the wire, size prefixes included. */
  readonly wire: Buffer;
  /** Deliver in several small writes, so frames straddle the broker's socket reads. */
  readonly isSplit: boolean;
}

function pickKind(rng: SeededRandom): CaseKind {
  let roll = rng.below(TOTAL_WEIGHT);
  for (const [kind, weight] of KIND_WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  return 'mutated';
}

function header(apiKey: number, version: number, correlationId: number): Buffer {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(4, 8);
  return Buffer.concat([b, Buffer.from('fuzz')]);
}

/** One hostile case; `maxFrameBytes` is the broker's socket.request.max.bytes. */
export function hostileCase(rng: SeededRandom, pool: RequestPool, maxFrameBytes: number): HostileCase {
  const kind = pickKind(rng);
  return { kind, wire: caseBytes(kind, rng, pool, maxFrameBytes), isSplit: rng.chance(0.05) };
}

function caseBytes(kind: CaseKind, rng: SeededRandom, pool: RequestPool, maxFrameBytes: number): Buffer {
  switch (kind) {
    case 'random-stream': return rng.bytes(rng.between(1, 64));
    case 'random-frame': return sizePrefixed(rng.bytes(rng.below(160)));
    case 'valid': return sizePrefixed(pool.take(rng).bytes);
    case 'truncated': {
      const { bytes } = pool.take(rng);
      return sizePrefixed(bytes.subarray(0, rng.below(bytes.length)));
    }
    case 'mutated': return sizePrefixed(mutate(pool.take(rng).bytes, rng));
    case 'forged-size': {
      const { bytes } = pool.take(rng);
      const delta = rng.chance(0.5) ? rng.between(1, 16) : -rng.between(1, Math.max(1, bytes.length));
      return sizePrefixed(bytes, Math.max(0, bytes.length + delta));
    }
    case 'huge-size': {
      const size = rng.pick([maxFrameBytes + 1, 0x7fffffff, -1, -0x80000000, maxFrameBytes + 1 + rng.below(0x7fffffff - maxFrameBytes)]);
      return sizePrefixed(rng.chance(0.5) ? pool.take(rng).bytes : rng.bytes(rng.below(32)), size);
    }
    case 'header-cut': {
      const { request, bytes } = pool.take(rng);
      return sizePrefixed(bytes.subarray(0, rng.below(request.headerBytes)));
    }
    case 'unknown-api': {
      const served = new Set(pool.served.map((s) => s.apiKey));
      const unserved = API_SPECS.map((a) => a.apiKey).filter((k) => !served.has(k));
      const apiKey = rng.chance(0.5) && unserved.length > 0 ? rng.pick(unserved) : rng.pick([-1, -0x8000, 0x7fff, 1000 + rng.below(30000)]);
      return sizePrefixed(Buffer.concat([header(apiKey, rng.below(20), rng.uint32() | 0), rng.bytes(rng.below(64))]));
    }
    case 'bad-version': {
      const { request, bytes } = pool.take(rng);
      const range = pool.served.find((s) => s.apiKey === request.apiKey)!;
      const version = rng.pick([range.minVersion - 1, range.maxVersion + 1, range.maxVersion + 1 + rng.below(100), -1, 0x7fff, -0x8000]);
      if (version >= range.minVersion && version <= range.maxVersion) return sizePrefixed(bytes);
      const out = Buffer.from(bytes);
      out.writeInt16BE(version, 2);
      return sizePrefixed(out);
    }
  }
}

/** What the broker makes of bytes sent from a frame boundary. */
export interface FramingOutcome {
  /** Complete frames the broker will read, in order (views of the sent bytes and padding). */
  readonly frames: readonly Buffer[];
  /** Zero bytes to send after the case so its last frame is complete (the broker waits for them otherwise). */
  readonly padding: number;
  /** A size prefix outside [0, maxFrameBytes]: the broker must close once it reaches it. */
  readonly mustClose: boolean;
}

export class FrameBoundaryModel {
  constructor(private readonly maxFrameBytes: number) {}

  /** Splits `sent` as the broker will, given that it starts at a frame boundary. */
  split(sent: Buffer): FramingOutcome {
    const frames: Buffer[] = [];
    let at = 0;
    while (at < sent.length) {
      const prefixBytes = Math.min(4, sent.length - at);
      const prefix = Buffer.alloc(4);
      sent.copy(prefix, 0, at, at + prefixBytes);
      const size = prefix.readInt32BE(0);
      // A prefix cut short is completed with zeros too: the broker judges it once it has 4 bytes.
      if (size < 0 || size > this.maxFrameBytes) return { frames, padding: 4 - prefixBytes, mustClose: true };
      const available = sent.length - at - 4;
      if (available < size) {
        const padding = (4 - prefixBytes) + size - Math.max(0, available);
        const frame = Buffer.alloc(size);
        if (available > 0) sent.copy(frame, 0, at + 4);
        frames.push(frame);
        return { frames, padding, mustClose: false };
      }
      frames.push(sent.subarray(at + 4, at + 4 + size));
      at += 4 + size;
    }
    return { frames, padding: 0, mustClose: false };
  }
}
