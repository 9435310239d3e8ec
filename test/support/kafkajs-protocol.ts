/**
 * Typed access to kafkajs's protocol internals (request builders, response decoders, record-batch
 * and message-set builders), so tests can judge our codecs against a client's own code. kafkajs is
 * CommonJS and ships no types for these deep modules: every value crossing this boundary is
 * checked at run time and narrowed from `unknown`.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PROTOCOL = 'kafkajs/src/protocol';

/** kafkajs's byte builder; `buffer` holds exactly the bytes written so far. */
export interface KafkajsEncoder {
  readonly buffer: Buffer;
  size(): number;
}

export interface KafkajsRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly apiName: string;
  /** The request body: what follows the request header on the wire. */
  encode(): Promise<KafkajsEncoder>;
}

export interface KafkajsResponse {
  /** Decodes a response body (what follows the correlation id). */
  decode(body: Buffer): Promise<unknown>;
  /** Checks a decoded response and rejects with a kafkajs error when it carries an error code. */
  parse(decoded: unknown): Promise<unknown>;
}

export interface KafkajsProtocol {
  readonly request: KafkajsRequest;
  readonly response: KafkajsResponse;
}

/** int64 values as kafkajs accepts them: numbers or decimal strings. */
export type Int64Arg = number | string;

export interface KafkajsMessage {
  /** Only on a legacy wrapper message, whose value is a compressed message set. */
  compression?: number;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  timestamp?: number;
  headers?: Record<string, string | Buffer>;
}

/** Arguments of each API's builder (`requests/<api>/index.js`), as kafkajs's own callers pass them. */
export interface KafkajsRequestArgs {
  apiVersions: Record<string, never>;
  metadata: { topics: string[]; allowAutoTopicCreation?: boolean };
  produce: {
    acks: number;
    timeout: number;
    compression?: number;
    transactionalId?: string | null;
    producerId?: Int64Arg;
    producerEpoch?: number;
    topicData: Array<{
      topic: string;
      partitions: Array<{ partition: number; firstSequence?: number; messages: KafkajsMessage[] }>;
    }>;
  };
  fetch: {
    replicaId?: number;
    isolationLevel?: number;
    sessionId?: number;
    sessionEpoch?: number;
    forgottenTopics?: Array<{ topic: string; partitions: number[] }>;
    maxWaitTime: number;
    minBytes: number;
    maxBytes?: number;
    rackId?: string;
    topics: Array<{
      topic: string;
      partitions: Array<{
        partition: number;
        currentLeaderEpoch?: number;
        fetchOffset: Int64Arg;
        logStartOffset?: Int64Arg;
        maxBytes: number;
      }>;
    }>;
  };
  listOffsets: {
    replicaId?: number;
    isolationLevel?: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; timestamp?: Int64Arg; maxNumOffsets?: number }> }>;
  };
  findCoordinator: { groupId: string; coordinatorType?: number };
  joinGroup: {
    groupId: string;
    sessionTimeout: number;
    rebalanceTimeout?: number;
    memberId: string;
    groupInstanceId?: string | null;
    protocolType: string;
    groupProtocols: Array<{ name: string; metadata?: Buffer }>;
  };
  syncGroup: {
    groupId: string;
    generationId: number;
    memberId: string;
    groupInstanceId?: string | null;
    groupAssignment: Array<{ memberId: string; memberAssignment: Buffer }>;
  };
  heartbeat: { groupId: string; groupGenerationId: number; memberId: string; groupInstanceId?: string | null };
  offsetCommit: {
    groupId: string;
    groupGenerationId?: number;
    memberId?: string;
    retentionTime?: Int64Arg;
    topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; offset: Int64Arg; timestamp?: Int64Arg; metadata?: string | null }>;
    }>;
  };
  offsetFetch: { groupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number }> }> };
  createTopics: {
    topics: Array<{
      topic: string;
      numPartitions?: number;
      replicationFactor?: number;
      replicaAssignment?: Array<{ partition: number; replicas: number[] }>;
      configEntries?: Array<{ name: string; value: string | null }>;
    }>;
    validateOnly?: boolean;
    timeout?: number;
  };
  deleteTopics: { topics: string[]; timeout?: number };
  initProducerId: { transactionalId?: string | null; transactionTimeout?: number };
}

export type KafkajsApi = keyof KafkajsRequestArgs;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function isFunction(x: unknown): x is (...args: unknown[]) => unknown {
  return typeof x === 'function';
}

function expectRecord(x: unknown, what: string): Record<string, unknown> {
  if (!isRecord(x)) throw new TypeError(`kafkajs ${what} is not an object`);
  return x;
}

function expectFunction(x: unknown, what: string): (...args: unknown[]) => unknown {
  if (!isFunction(x)) throw new TypeError(`kafkajs ${what} is not a function`);
  return x;
}

function asEncoder(x: unknown, what: string): KafkajsEncoder {
  const e = expectRecord(x, what);
  if (!Buffer.isBuffer(e.buffer) || !isFunction(e.size)) throw new TypeError(`kafkajs ${what} is not an Encoder`);
  const size = e.size;
  return { buffer: e.buffer, size: () => Number(size.call(e)) };
}

function asPromise(x: unknown, what: string): Promise<unknown> {
  if (!(x instanceof Promise)) throw new TypeError(`kafkajs ${what} did not return a promise`);
  return x;
}

/** The kafkajs objects behind our typed views, for kafkajs code that needs its own request object. */
const rawRequests = new WeakMap<KafkajsRequest, Record<string, unknown>>();

function asRequest(x: unknown, what: string): KafkajsRequest {
  const r = expectRecord(x, what);
  const { apiKey, apiVersion, apiName } = r;
  if (typeof apiKey !== 'number' || typeof apiVersion !== 'number' || typeof apiName !== 'string') {
    throw new TypeError(`kafkajs ${what} lacks apiKey, apiVersion or apiName`);
  }
  const encode = expectFunction(r.encode, `${what}.encode`);
  const request: KafkajsRequest = {
    apiKey,
    apiVersion,
    apiName,
    encode: async () => asEncoder(await asPromise(encode.call(r), `${what}.encode`), `${what}.encode()`),
  };
  rawRequests.set(request, r);
  return request;
}

function asResponse(x: unknown, what: string): KafkajsResponse {
  const r = expectRecord(x, what);
  const decode = expectFunction(r.decode, `${what}.decode`);
  const parse = expectFunction(r.parse, `${what}.parse`);
  return {
    decode: (body) => asPromise(decode(body), `${what}.decode`),
    parse: (decoded) => asPromise(parse(decoded), `${what}.parse`),
  };
}

function apiModule(api: KafkajsApi): Record<string, unknown> {
  return expectRecord(require(`${PROTOCOL}/requests/${api}/index.js`), `requests/${api}`);
}

/** The versions kafkajs implements for an API, ascending. */
export function kafkajsVersions(api: KafkajsApi): number[] {
  const versions = apiModule(api).versions;
  if (!Array.isArray(versions)) throw new TypeError(`kafkajs requests/${api} has no version list`);
  return versions.map((v) => Number(v)).sort((a, b) => a - b);
}

/** kafkajs's request builder and response decoder for one API version, as its broker client uses them. */
export function kafkajsProtocol<A extends KafkajsApi>(api: A, version: number, args: KafkajsRequestArgs[A]): KafkajsProtocol {
  const what = `${api} v${version}`;
  const protocol = expectFunction(apiModule(api).protocol, `requests/${api}.protocol`);
  const build = expectFunction(protocol({ version }), `${what} builder`);
  const built = expectRecord(build(args), what);
  return { request: asRequest(built.request, `${what} request`), response: asResponse(built.response, `${what} response`) };
}

/** kafkajs's response decoder for one API version, loaded on its own. */
export function kafkajsResponse(api: KafkajsApi, version: number): KafkajsResponse {
  return asResponse(require(`${PROTOCOL}/requests/${api}/v${version}/response.js`), `${api} v${version} response`);
}

/** The whole frame kafkajs writes for a request: size, request header v1 and body. */
export async function kafkajsFrame(request: KafkajsRequest, correlationId: number, clientId: string): Promise<Buffer> {
  const frame = expectFunction(require(`${PROTOCOL}/request.js`), 'protocol/request');
  const raw = rawRequests.get(request);
  if (raw === undefined) throw new TypeError('not a request built by kafkajsProtocol');
  return asEncoder(await asPromise(frame({ correlationId, clientId, request: raw }), 'protocol/request'), 'request frame').buffer;
}

/** kafkajs's compression codes (attributes bits). */
export const KafkajsCompression = { None: 0, GZIP: 1 } as const;

/**
 * A legacy message set (magic 0 or 1) as kafkajs writes it, without a size prefix. kafkajs numbers
 * the entries 0, 1, ... unless `compression` is exactly None, when every offset is -1.
 */
export function kafkajsMessageSet(args: { messageVersion: 0 | 1; compression?: number; entries: KafkajsMessage[] }): Buffer {
  const build = expectFunction(require(`${PROTOCOL}/messageSet/index.js`), 'messageSet');
  return asEncoder(build(args), 'message set').buffer;
}

/** kafkajs's gzip codec applied to raw bytes. */
export async function kafkajsGzip(bytes: Buffer): Promise<Buffer> {
  const codec = expectRecord(require(`${PROTOCOL}/message/compression/gzip.js`), 'gzip codec');
  const compress = expectFunction(codec.compress, 'gzip.compress');
  const out = await asPromise(compress({ buffer: bytes }), 'gzip.compress');
  if (!Buffer.isBuffer(out)) throw new TypeError('kafkajs gzip.compress did not return a Buffer');
  return out;
}

export interface KafkajsBatchArgs {
  compression?: number;
  firstOffset?: Int64Arg;
  firstTimestamp: number;
  maxTimestamp: number;
  partitionLeaderEpoch?: number;
  transactional?: boolean;
  producerId?: Int64Arg;
  producerEpoch?: number;
  firstSequence?: number;
  /** Records, each with its timestamp; deltas are taken from `firstTimestamp`. */
  messages: KafkajsMessage[];
}

/** A v2 record batch (magic 2) as kafkajs writes it, records numbered 0, 1, ... from firstOffset. */
export async function kafkajsRecordBatch(args: KafkajsBatchArgs): Promise<Buffer> {
  const record = expectFunction(require(`${PROTOCOL}/recordBatch/record/v0/index.js`), 'record v0');
  const batchModule = expectRecord(require(`${PROTOCOL}/recordBatch/v0/index.js`), 'recordBatch v0');
  const build = expectFunction(batchModule.RecordBatch, 'RecordBatch');
  const records = args.messages.map((m, i) =>
    record({ ...m, offsetDelta: i, timestampDelta: (m.timestamp ?? args.firstTimestamp) - args.firstTimestamp }),
  );
  const { messages: _messages, ...rest } = args;
  const built = await asPromise(build({ ...rest, records, lastOffsetDelta: records.length - 1 }), 'RecordBatch');
  return asEncoder(built, 'record batch').buffer;
}

/** kafkajs's consumer-protocol encoders, which its assigners put in JoinGroup and SyncGroup. */
export function kafkajsMemberMetadata(args: { version: number; topics: string[]; userData?: Buffer }): Buffer {
  return assignerCodec('MemberMetadata')(args);
}

export function kafkajsMemberAssignment(args: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer {
  return assignerCodec('MemberAssignment')(args);
}

function assignerCodec(name: 'MemberMetadata' | 'MemberAssignment'): (args: object) => Buffer {
  const kafkajs = expectRecord(require('kafkajs'), 'kafkajs');
  const codec = expectRecord(expectRecord(kafkajs.AssignerProtocol, 'AssignerProtocol')[name], name);
  const encode = expectFunction(codec.encode, `${name}.encode`);
  return (args) => {
    const out = encode.call(codec, args);
    if (!Buffer.isBuffer(out)) throw new TypeError(`kafkajs ${name}.encode did not return a Buffer`);
    return out;
  };
}

/** What a kafkajs protocol error exposes: its name, Kafka error type and code, and extra context. */
export interface KafkajsErrorShape {
  name: string;
  type?: string;
  code?: number;
  memberId?: string;
  topic?: string;
  partition?: number;
  errors?: KafkajsErrorShape[];
}

/** Narrows a rejection from kafkajs to the fields its errors carry. */
export function kafkajsError(e: unknown): KafkajsErrorShape {
  const r = expectRecord(e, 'error');
  const out: KafkajsErrorShape = { name: String(r.name) };
  if (typeof r.type === 'string') out.type = r.type;
  if (typeof r.code === 'number') out.code = r.code;
  if (typeof r.memberId === 'string') out.memberId = r.memberId;
  if (typeof r.topic === 'string') out.topic = r.topic;
  if (typeof r.partition === 'number') out.partition = r.partition;
  if (Array.isArray(r.errors)) out.errors = r.errors.map(kafkajsError);
  return out;
}
