/**
 * Hostile bytes into every decoder: random bytes, valid encodings truncated, flipped, spliced or
 * given forged length prefixes, and whole request/response frames (header, then body). Whatever
 * comes in, a decode either returns a value or throws ProtocolError; any other throw is a bug.
 *
 * Two more invariants are checked by instrumenting the Reader rather than by timing:
 * - never hangs: the reads one decode makes are bounded by a small multiple of its input length
 *   (`ProbeReader` counts them and stops a runaway decode with a distinct error);
 * - never allocates more than the bytes at hand: a forged huge string/bytes/array length is refused
 *   at the prefix itself (the cursor never moves past it), and a batch of such decodes leaves
 *   `arrayBuffers` and `heapUsed` flat.
 *
 * Runs are seeded; the seed is printed as a test diagnostic. Set SAMSA_FUZZ_SEED to explore another
 * one, and keep any failing input fast-check reports in REGRESSIONS below.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ProtocolError, Reader, type MessageCodec } from '../../../src/protocol/primitives/index.js';
import {
  API_BY_KEY, API_SPECS, RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion, type ApiSpec,
} from '../../../src/protocol/generated/index.js';
import {
  MessageArbitraries, allMessages, codecOf, loadGeneratedModule, loadSpecSet, specsPresent, versionsOf,
} from '../../support/spec-arbitraries.js';
import type { MessageSpec } from '../../../tools/codegen/spec.js';

const SEED = Number(process.env['SAMSA_FUZZ_SEED'] ?? 20250314);
const RANDOM_BODY_RUNS = 50_000;
const RANDOM_FRAME_RUNS = 30_000;
/** Valid samples per message version, each truncated at every length and forged at every prefix. */
const SAMPLES_PER_VERSION = 4;
const MUTATION_RUNS_PER_VERSION = 40;
const FRAME_RUNS_PER_API = 20;
const MIN_CASES = 100_000;
const MiB = 1024 * 1024;

/** Failing inputs found by this file, kept so they are checked on every run (hex of the bytes). */
const REGRESSIONS: readonly { readonly apiKey: number; readonly isRequest: boolean; readonly version: number; readonly hex: string }[] = [];

/** V8's collector (node runs without --expose-gc), so heap growth can be measured without garbage. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

class WorkBudgetExceeded extends Error {
  override readonly name = 'WorkBudgetExceeded';
}

/** Where a decode read a length prefix (or another unsigned varint: tagged-field counts, tags, sizes). */
interface PrefixSite {
  readonly pos: number;
  readonly encoding: 'int16' | 'int32' | 'uvarint';
  /** Bytes the prefix took in the valid encoding (a varint's width is known once read). */
  width: number;
  /** A string/bytes/array length, which a huge value must make the decode refuse right there. */
  readonly isLength: boolean;
}

/**
 * A Reader that counts its reads and can note where length prefixes sit. Every read consumes at
 * least one byte, except a nested call (a compact string reads its varint) and `skip(0)` after a
 * tag and size, so an honest decode stays below 4 reads per byte.
 */
class ProbeReader extends Reader {
  private reads = 0;
  private readonly budget: number;
  readonly sites: Map<number, PrefixSite> | null;

  constructor(buf: Buffer, recordSites = false) {
    super(buf);
    this.budget = 4 * buf.length + 16;
    this.sites = recordSites ? new Map() : null;
  }

  private step(): void {
    if (++this.reads > this.budget) throw new WorkBudgetExceeded(`more than ${this.budget} reads for ${this.buf.length} bytes`);
  }

  private lengthAt(encoding: PrefixSite['encoding'], width: number): void {
    this.sites?.set(this.pos, { pos: this.pos, encoding, width, isLength: true });
  }

  override skip(n: number): void { this.step(); super.skip(n); }
  override readInt8(): number { this.step(); return super.readInt8(); }
  override readBool(): boolean { this.step(); return super.readBool(); }
  override readInt16(): number { this.step(); return super.readInt16(); }
  override readUInt16(): number { this.step(); return super.readUInt16(); }
  override readInt32(): number { this.step(); return super.readInt32(); }
  override readUInt32(): number { this.step(); return super.readUInt32(); }
  override readInt64(): number { this.step(); return super.readInt64(); }
  override readFloat64(): number { this.step(); return super.readFloat64(); }
  override readUuid(): string { this.step(); return super.readUuid(); }
  override readVarint(): number { this.step(); return super.readVarint(); }
  override readVarlong(): number { this.step(); return super.readVarlong(); }

  override readUnsignedVarint(): number {
    this.step();
    const start = this.pos;
    const value = super.readUnsignedVarint();
    const site = this.sites?.get(start);
    if (site) site.width = this.pos - start;
    else this.sites?.set(start, { pos: start, encoding: 'uvarint', width: this.pos - start, isLength: false });
    return value;
  }

  override readString(): string { this.step(); this.lengthAt('int16', 2); return super.readString(); }
  override readNullableString(): string | null { this.step(); this.lengthAt('int16', 2); return super.readNullableString(); }
  override readBytes(): Buffer { this.step(); this.lengthAt('int32', 4); return super.readBytes(); }
  override readNullableBytes(): Buffer | null { this.step(); this.lengthAt('int32', 4); return super.readNullableBytes(); }
  override readArrayLength(): number { this.step(); this.lengthAt('int32', 4); return super.readArrayLength(); }
  override readCompactString(): string { this.step(); this.lengthAt('uvarint', 0); return super.readCompactString(); }
  override readCompactNullableString(): string | null { this.step(); this.lengthAt('uvarint', 0); return super.readCompactNullableString(); }
  override readCompactBytes(): Buffer { this.step(); this.lengthAt('uvarint', 0); return super.readCompactBytes(); }
  override readCompactNullableBytes(): Buffer | null { this.step(); this.lengthAt('uvarint', 0); return super.readCompactNullableBytes(); }
  override readCompactArrayLength(): number { this.step(); this.lengthAt('uvarint', 0); return super.readCompactArrayLength(); }
}

let cases = 0;

interface Attempt {
  readonly reader: ProbeReader;
  readonly value: unknown;
  readonly isRejected: boolean;
}

/** Runs one decode; returns normally for a value or a ProtocolError, fails the test for anything else. */
function attempt(what: string, bytes: Buffer, read: (r: Reader) => unknown, recordSites = false): Attempt {
  cases++;
  const reader = new ProbeReader(bytes, recordSites);
  try {
    const value = read(reader);
    assert.ok(reader.pos <= bytes.length, `${what}: the cursor ran past the input`);
    return { reader, value, isRejected: false };
  } catch (error) {
    if (error instanceof ProtocolError) return { reader, value: undefined, isRejected: true };
    assert.fail(`${what} threw ${String(error)} instead of ProtocolError on ${bytes.toString('hex')}`);
  }
}

/** Decodes as a message; whatever decodes must re-encode and decode to the same value. */
function attemptMessage(codec: MessageCodec<unknown>, version: number, bytes: Buffer): Attempt {
  const result = attempt(`${codec.name} v${version}`, bytes, (r) => codec.read(r, version));
  if (!result.isRejected) assert.deepStrictEqual(codec.decode(codec.encode(result.value, version), version), result.value);
  return result;
}

function decodeRequestFrame(r: Reader): unknown {
  const peek = new Reader(r.buf, r.pos, Math.min(r.end, r.pos + 4));
  const api = API_BY_KEY.get(peek.readInt16());
  const version = peek.readInt16();
  // An unknown API or version never reaches a body decoder: the broker answers or closes first.
  if (api === undefined || version < api.lowestVersion || version > api.highestVersion) return null;
  RequestHeader.read(r, requestHeaderVersion(api, version));
  return api.request.read(r, version);
}

function decodeResponseFrame(api: ApiSpec, version: number, r: Reader): unknown {
  ResponseHeader.read(r, responseHeaderVersion(api, version));
  return api.response.read(r, version);
}

// Lengths a forger would pick: the largest, the first invalid negative, the most negative.
const HUGE_INT16 = [0x7fff, -2, -0x8000];
const HUGE_INT32 = [0x7fffffff, -2, -0x80000000];
const HUGE_UVARINT = [
  [0xff, 0xff, 0xff, 0xff, 0x0f], // 0xffffffff
  [0xff, 0xff, 0xff, 0xff, 0x07], // 0x7fffffff
  [0xfe, 0xff, 0xff, 0xff, 0x0f], // 0xfffffffe
  [0xff, 0xff, 0xff, 0xff, 0x7f], // wider than 32 bits
  [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // longer than 5 bytes
];

function forgedPrefixes(site: PrefixSite): Buffer[] {
  switch (site.encoding) {
    case 'int16': return HUGE_INT16.map((v) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; });
    case 'int32': return HUGE_INT32.map((v) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; });
    case 'uvarint': return HUGE_UVARINT.map((v) => Buffer.from(v));
  }
}

function splice(bytes: Buffer, at: number, removed: number, inserted: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(at + removed)]);
}

/** Every input with one length prefix of `bytes` replaced by a forged huge value. */
interface Forgery {
  readonly site: PrefixSite;
  readonly prefix: Buffer;
  readonly input: Buffer;
}

function forgeries(bytes: Buffer, sites: Iterable<PrefixSite>): Forgery[] {
  const out: Forgery[] = [];
  for (const site of sites) {
    for (const prefix of forgedPrefixes(site)) out.push({ site, prefix, input: splice(bytes, site.pos, site.width, prefix) });
  }
  return out;
}

/** A forged length at a string/bytes/array prefix is refused there, before anything is sized by it. */
function expectRefusedAtPrefix(codec: MessageCodec<unknown>, version: number, forged: Forgery): void {
  const result = attemptMessage(codec, version, forged.input);
  if (!forged.site.isLength || forged.input.length >= 0x7fff) return;
  const where = `${codec.name} v${version}, ${forged.site.encoding} length at ${forged.site.pos} forged to ${forged.prefix.toString('hex')}`;
  assert.ok(result.isRejected, `${where} decoded`);
  assert.ok(result.reader.pos <= forged.site.pos + forged.prefix.length, `${where} read past the prefix`);
}

// Bytes that form plausible counts and flags more often than uniform bytes would.
const fuzzByte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 3, 0x7f, 0x80, 0xff) },
);
const fuzzBytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.array(fuzzByte, { maxLength }).map((a) => Buffer.from(a));

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Buffer }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'overwrite'; readonly at: number; readonly bytes: Buffer };

const hugePatterns = [...HUGE_INT16.map((v) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; }),
  ...HUGE_INT32.map((v) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; }), ...HUGE_UVARINT.map((v) => Buffer.from(v))];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fuzzBytes(8).filter((b) => b.length > 0) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.constantFrom(...hugePatterns) }),
);

function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  const at = mutation.at % (bytes.length + 1);
  switch (mutation.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = Buffer.from(bytes);
      out[at % bytes.length] ^= mutation.mask;
      return out;
    }
    case 'insert': return splice(bytes, at, 0, mutation.bytes);
    case 'delete': return splice(bytes, at, mutation.count, Buffer.alloc(0));
    case 'overwrite': return splice(bytes, at, mutation.bytes.length, mutation.bytes);
  }
}

interface Target {
  readonly api: ApiSpec;
  readonly isRequest: boolean;
  readonly version: number;
  /** How fast-check prints it in a counterexample. */
  readonly [fc.toStringMethod]: () => string;
}

function target(api: ApiSpec, isRequest: boolean, version: number): Target {
  return { api, isRequest, version, [fc.toStringMethod]: () => `${api.name}${isRequest ? 'Request' : 'Response'} v${version}` };
}

const bodyTargets: Target[] = API_SPECS.flatMap((api) => {
  const out: Target[] = [];
  for (let version = api.lowestVersion; version <= api.highestVersion; version++) out.push(target(api, true, version), target(api, false, version));
  return out;
});

function codecFor(t: Target): MessageCodec<unknown> {
  return t.isRequest ? t.api.request : t.api.response;
}

describe('decoding hostile bytes throws ProtocolError and nothing else', () => {
  test('random bytes as any API\'s request or response at any valid version', (t) => {
    t.diagnostic(`fast-check seed ${SEED} (set SAMSA_FUZZ_SEED to change it)`);
    fc.assert(fc.property(fc.constantFrom(...bodyTargets), fuzzBytes(96), (body, bytes) => {
      attemptMessage(codecFor(body), body.version, bytes);
    }), { seed: SEED, numRuns: RANDOM_BODY_RUNS });
  });

  test('random frames: request header then body, or response header then body', (t) => {
    t.diagnostic(`fast-check seed ${SEED}`);
    const apiPrefix = fc.constantFrom(...bodyTargets).map((body) => {
      const b = Buffer.alloc(4);
      b.writeInt16BE(body.api.apiKey, 0);
      b.writeInt16BE(body.version, 2);
      return b;
    });
    const requestFrame = fc.oneof(fuzzBytes(96), fc.tuple(apiPrefix, fuzzBytes(96)).map(([head, tail]) => Buffer.concat([head, tail])));
    fc.assert(fc.property(requestFrame, fc.constantFrom(...bodyTargets), fuzzBytes(96), (request, body, response) => {
      attempt('request frame', request, decodeRequestFrame);
      attempt(`${body.api.name} response frame v${body.version}`, response, (r) => decodeResponseFrame(body.api, body.version, r));
    }), { seed: SEED, numRuns: RANDOM_FRAME_RUNS / 2 });
  });

  test('versions outside a codec\'s range are refused before any byte is read', () => {
    for (const api of API_SPECS) {
      for (const version of [api.lowestVersion - 1, api.highestVersion + 1, 0.5, Number.NaN]) {
        assert.throws(() => api.request.decode(Buffer.alloc(8), version), ProtocolError);
        assert.throws(() => api.response.decode(Buffer.alloc(8), version), ProtocolError);
      }
    }
  });

  test('inputs that once failed stay fixed', { skip: REGRESSIONS.length === 0 ? 'no seed has failed yet' : false }, () => {
    for (const regression of REGRESSIONS) {
      const api = API_BY_KEY.get(regression.apiKey)!;
      attemptMessage(codecFor(target(api, regression.isRequest, regression.version)), regression.version, Buffer.from(regression.hex, 'hex'));
    }
  });

  test('a decode that keeps reading without consuming input is stopped, not left to hang', () => {
    assert.throws(() => attempt('runaway', Buffer.alloc(4), (r) => { for (;;) r.skip(0); }), /WorkBudgetExceeded/);
  });
});

describe('forged length prefixes in the primitives', () => {
  const forgedPrimitives: [string, number[], (r: Reader) => unknown][] = [
    ['array count 0x7fffffff', [0x7f, 0xff, 0xff, 0xff, 1, 2, 3], (r) => r.readArrayLength()],
    ['array count -2', [0xff, 0xff, 0xff, 0xfe], (r) => r.readArrayLength()],
    ['compact array count 0xfffffffe', [0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2], (r) => r.readCompactArrayLength()],
    ['bytes length 0x7fffffff', [0x7f, 0xff, 0xff, 0xff, 1], (r) => r.readBytes()],
    ['nullable bytes length -2', [0xff, 0xff, 0xff, 0xfe], (r) => r.readNullableBytes()],
    ['compact bytes length 0xfffffffe', [0xff, 0xff, 0xff, 0xff, 0x0f], (r) => r.readCompactBytes()],
    ['string length 0x7fff', [0x7f, 0xff, 0x61], (r) => r.readString()],
    ['nullable string length -2', [0xff, 0xfe], (r) => r.readNullableString()],
    ['compact string length 0xfffffffe', [0xff, 0xff, 0xff, 0xff, 0x0f], (r) => r.readCompactString()],
    ['unsigned varint of 6 bytes', [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (r) => r.readUnsignedVarint()],
    ['unsigned varint above 32 bits', [0xff, 0xff, 0xff, 0xff, 0x7f], (r) => r.readUnsignedVarint()],
    ['tagged-field size 0xffffffff', [0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f], (r) => r.skipTaggedFields()],
    ['skip count of -2 (a signed varint length from the wire)', [0x01, 0x02, 0x03], (r) => { r.skip(1); r.skip(-2); }],
  ];
  for (const [name, bytes, read] of forgedPrimitives) {
    test(`${name} is refused before anything is sized by it`, () => {
      const r = new Reader(Buffer.from(bytes));
      assert.throws(() => read(r), ProtocolError);
      assert.ok(r.pos <= bytes.length);
    });
  }
});

describe('valid encodings, mutated', { skip: specsPresent ? false : 'the specs directory ../shared/kafka-protocol is absent' }, async () => {
  if (!specsPresent) return;
  const messages: { spec: MessageSpec; codec: MessageCodec<unknown>; arbs: MessageArbitraries }[] = [];
  for (const { spec, file } of allMessages(loadSpecSet())) {
    const mod = await loadGeneratedModule(file);
    messages.push({ spec, codec: codecOf(mod, spec), arbs: new MessageArbitraries(mod, spec) });
  }

  test('truncated at every length, or with any length prefix forged huge', () => {
    for (const { spec, codec, arbs } of messages) {
      for (const version of versionsOf(spec)) {
        fc.assert(fc.property(arbs.messageArb(version), (value) => {
          const bytes = codec.encode(value, version);
          const traced = attempt(`${codec.name} v${version}`, bytes, (r) => codec.read(r, version), true);
          assert.ok(!traced.isRejected && traced.reader.pos === bytes.length, 'the valid encoding decodes whole');
          for (let length = 0; length < bytes.length; length++) {
            assert.ok(attemptMessage(codec, version, bytes.subarray(0, length)).isRejected, `${codec.name} v${version} decoded a ${length}-byte prefix`);
          }
          for (const forged of forgeries(bytes, traced.reader.sites!.values())) expectRefusedAtPrefix(codec, version, forged);
        }), { seed: SEED, numRuns: SAMPLES_PER_VERSION });
      }
    }
  });

  test('with bytes flipped, inserted, deleted or overwritten by huge lengths', () => {
    for (const { spec, codec, arbs } of messages) {
      for (const version of versionsOf(spec)) {
        const mutations = fc.array(mutationArb, { minLength: 1, maxLength: 4 });
        fc.assert(fc.property(arbs.messageArb(version), mutations, (value, edits) => {
          attemptMessage(codec, version, edits.reduce(mutate, codec.encode(value, version)));
        }), { seed: SEED, numRuns: MUTATION_RUNS_PER_VERSION });
      }
    }
  });

  test('whole request and response frames, truncated and mutated', () => {
    for (const { spec, codec, arbs } of messages) {
      const api = spec.apiKey === undefined ? undefined : API_BY_KEY.get(spec.apiKey);
      if (api === undefined || (spec.type !== 'request' && spec.type !== 'response')) continue;
      const isRequest = spec.type === 'request';
      const frame = fc.constantFrom(...versionsOf(spec)).chain((version) => fc.tuple(
        fc.constant(version), arbs.messageArb(version), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.option(fc.string({ maxLength: 8 })),
      ));
      fc.assert(fc.property(frame, fc.array(mutationArb, { maxLength: 3 }), ([version, value, correlationId, clientId], edits) => {
        const header = isRequest
          ? RequestHeader.encode({ requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId: requestHeaderVersion(api, version) === 0 ? '' : clientId }, requestHeaderVersion(api, version))
          : ResponseHeader.encode({ correlationId }, responseHeaderVersion(api, version));
        const bytes = edits.reduce(mutate, Buffer.concat([header, codec.encode(value, version)]));
        const read = isRequest ? decodeRequestFrame : (r: Reader): unknown => decodeResponseFrame(api, version, r);
        for (let length = 0; length <= bytes.length; length++) attempt(`${spec.name} frame v${version}`, bytes.subarray(0, length), read);
      }), { seed: SEED, numRuns: FRAME_RUNS_PER_API });
    }
  });

  test('a batch of forged huge lengths leaves memory flat', (t) => {
    const inputs: { codec: MessageCodec<unknown>; version: number; forged: Forgery }[] = [];
    for (const { spec, codec, arbs } of messages) {
      for (const version of versionsOf(spec)) {
        for (const value of fc.sample(arbs.messageArb(version), { seed: SEED, numRuns: 1 })) {
          const bytes = codec.encode(value, version);
          const sites = attempt(codec.name, bytes, (r) => codec.read(r, version), true).reader.sites!;
          const lengthSites = [...sites.values()].filter((site) => site.isLength);
          for (const forged of forgeries(bytes, lengthSites)) inputs.push({ codec, version, forged });
        }
      }
    }
    // Per decode, any jump shows (a forged length that sized an allocation would); over the batch,
    // growth is measured between full collections, so the garbage of rejected decodes does not count.
    const largest = { buffers: 0, heap: 0 };
    const decodeAll = (): void => {
      for (const { codec, version, forged } of inputs) {
        const before = process.memoryUsage();
        expectRefusedAtPrefix(codec, version, forged);
        const after = process.memoryUsage();
        largest.buffers = Math.max(largest.buffers, after.arrayBuffers - before.arrayBuffers);
        largest.heap = Math.max(largest.heap, after.heapUsed - before.heapUsed);
      }
    };
    const collectGarbage = exposedGc();
    decodeAll(); // warm up, so the measured pass sees no first-time compilation
    collectGarbage();
    const before = process.memoryUsage();
    decodeAll();
    collectGarbage();
    const after = process.memoryUsage();
    const growth = { buffers: after.arrayBuffers - before.arrayBuffers, heap: after.heapUsed - before.heapUsed };
    t.diagnostic(`${inputs.length} forged decodes: batch growth arrayBuffers ${growth.buffers} B, heapUsed ${growth.heap} B; ` +
      `largest single decode: arrayBuffers ${largest.buffers} B, heapUsed ${largest.heap} B`);
    assert.ok(inputs.length > 10_000);
    assert.ok(largest.buffers < MiB, 'no single decode allocates a megabyte of buffers');
    assert.ok(largest.heap < MiB, 'no single decode grows the heap by a megabyte');
    assert.ok(growth.buffers < 2 * MiB, 'buffers stay flat across the batch');
    assert.ok(growth.heap < 4 * MiB, 'the heap stays flat across the batch');
  });

  test(`all of the above ran at least ${MIN_CASES} decodes`, (t) => {
    t.diagnostic(`${cases} decodes with seed ${SEED}`);
    assert.ok(cases >= MIN_CASES);
  });
});
