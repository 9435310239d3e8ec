/**
 * Byte-for-byte cross-checks of our generated codecs against kafkajs's own protocol code, for every
 * version kafkajs implements of the APIs its producer, consumer and admin client use.
 *
 * Requests: kafkajs's request builder encodes a body from realistic arguments; our codec must
 * decode it to exactly those values (fields the version lacks hold our defaults), consume every
 * byte, and re-encode the very same bytes. kafkajs's frame (size, request header v1, body) must
 * also read with our RequestHeader. Record batches inside Produce are compared as bytes with what
 * kafkajs's batch builders write for the same messages; they are not decoded here.
 *
 * Responses: our codec encodes a response; kafkajs's decoder must see the same fields, its `parse`
 * must find no error (or the error we put in), and it must need our last byte (nothing we write is
 * left over). kafkajs has no response encoders and no request decoders, so those directions have
 * nothing to judge against.
 *
 * kafkajs habits that differ from the wire format, checked here as they are:
 * - int64s come back as decimal strings; `throttleTime` moves to `clientSideThrottleTime` (with
 *   `throttleTime: 0`) from the versions where brokers answer before throttling (KIP-219).
 * - Metadata v1+ and OffsetFetch v3+ write an empty topic list as a null array, which the protocol
 *   reads as "all topics": through kafkajs one cannot ask for no topics.
 * - CreateTopics and DeleteTopics responses are re-sorted by topic name (localeCompare).
 * - Legacy message sets are numbered 0, 1, ... unless compression is passed as exactly None, when
 *   every offset is -1; Produce v0 and v1 pass no compression at all, so their sets are numbered.
 * - The Fetch v4+ partition field kafkajs calls `lastStartOffset` is log_start_offset.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Reader, ZERO_UUID } from '../../../src/protocol/primitives/index.js';
import type { MessageCodec } from '../../../src/protocol/primitives/index.js';
import {
  API_BY_KEY, RequestHeader, requestHeaderVersion, responseHeaderVersion,
  ApiVersionsRequest, ApiVersionsResponse, defaultApiVersionsRequest, defaultApiVersionsResponse,
  MetadataRequest, MetadataResponse, defaultMetadataRequest, defaultMetadataRequestMetadataRequestTopic,
  defaultMetadataResponse, defaultMetadataResponseMetadataResponseTopic, defaultMetadataResponseMetadataResponsePartition,
  ProduceRequest, ProduceResponse, defaultProduceResponse, defaultProduceResponsePartitionProduceResponse,
  FetchRequest, FetchResponse, defaultFetchRequest, defaultFetchRequestFetchTopic, defaultFetchRequestFetchPartition,
  defaultFetchRequestForgottenTopic, defaultFetchResponse, defaultFetchResponseFetchableTopicResponse,
  defaultFetchResponsePartitionData,
  ListOffsetsRequest, ListOffsetsResponse, defaultListOffsetsRequest, defaultListOffsetsRequestListOffsetsPartition,
  defaultListOffsetsResponse, defaultListOffsetsResponseListOffsetsPartitionResponse,
  FindCoordinatorRequest, FindCoordinatorResponse, defaultFindCoordinatorRequest, defaultFindCoordinatorResponse,
  JoinGroupRequest, JoinGroupResponse, defaultJoinGroupRequest, defaultJoinGroupResponse,
  SyncGroupRequest, SyncGroupResponse, defaultSyncGroupRequest, defaultSyncGroupResponse,
  HeartbeatRequest, HeartbeatResponse, defaultHeartbeatRequest, defaultHeartbeatResponse,
  OffsetCommitRequest, OffsetCommitResponse, defaultOffsetCommitRequest,
  defaultOffsetCommitRequestOffsetCommitRequestPartition, defaultOffsetCommitResponse,
  OffsetFetchRequest, OffsetFetchResponse, defaultOffsetFetchRequest, defaultOffsetFetchResponse,
  defaultOffsetFetchResponseOffsetFetchResponsePartition,
  CreateTopicsRequest, CreateTopicsResponse, defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic,
  defaultCreateTopicsResponse, defaultCreateTopicsResponseCreatableTopicResult,
  DeleteTopicsRequest, DeleteTopicsResponse, defaultDeleteTopicsRequest, defaultDeleteTopicsResponse,
  defaultDeleteTopicsResponseDeletableTopicResult,
  InitProducerIdRequest, InitProducerIdResponse, defaultInitProducerIdRequest, defaultInitProducerIdResponse,
} from '../../../src/protocol/generated/index.js';
import {
  type KafkajsApi, type KafkajsMessage, type KafkajsRequestArgs, type KafkajsResponse,
  KafkajsCompression, kafkajsError, kafkajsFrame, kafkajsGzip, kafkajsMemberAssignment, kafkajsMemberMetadata,
  kafkajsMessageSet, kafkajsProtocol, kafkajsRecordBatch, kafkajsResponse, kafkajsVersions,
} from '../../support/kafkajs-protocol.js';

// ---------------------------------------------------------------------------------------------
// Values shared by the cases: non-ASCII where the protocol carries free text, int64s past 2^32.

const CLIENT_ID = 'samsa-tëst-clïent';
const GROUP_ID = 'grüppe-zahlungen-📦';
const MEMBER_ID = `${CLIENT_ID}-1f0c9b2e-4a7d-4e55-9c3a-2b8f6d7e9a10`;
const OTHER_MEMBER_ID = `${CLIENT_ID}-77aa01c3-0b6e-4f0a-8f52-c0ffee000002`;
const GROUP_INSTANCE_ID = 'instance-ø-1';
const TRANSACTIONAL_ID = 'txn-ÿ-payments';
const TOPIC_NAMES = ['orders', 'événements.clients', 'audit-log-📦'];
const T0 = 1_700_000_000_000;
const BIG_OFFSET = 123_456_789_012;
const PRODUCER_ID = 2 ** 40 + 7;
const READ_COMMITTED = 1;
const TRANSACTION_COORDINATOR = 1;

/** The versions of each API kafkajs 2.2.4 implements; all non-flexible. */
const KAFKAJS_VERSIONS: Readonly<Record<KafkajsApi, readonly number[]>> = {
  apiVersions: range(0, 2),
  metadata: range(0, 6),
  produce: range(0, 7),
  fetch: range(0, 11),
  listOffsets: range(0, 3),
  findCoordinator: range(0, 2),
  joinGroup: range(0, 5),
  syncGroup: range(0, 3),
  heartbeat: range(0, 3),
  offsetCommit: range(0, 5),
  offsetFetch: range(1, 4),
  createTopics: range(0, 3),
  deleteTopics: range(0, 1),
  initProducerId: range(0, 1),
};

const CODECS: Readonly<Record<KafkajsApi, { request: MessageCodec<unknown>; response: MessageCodec<unknown> }>> = {
  apiVersions: { request: ApiVersionsRequest, response: ApiVersionsResponse },
  metadata: { request: MetadataRequest, response: MetadataResponse },
  produce: { request: ProduceRequest, response: ProduceResponse },
  fetch: { request: FetchRequest, response: FetchResponse },
  listOffsets: { request: ListOffsetsRequest, response: ListOffsetsResponse },
  findCoordinator: { request: FindCoordinatorRequest, response: FindCoordinatorResponse },
  joinGroup: { request: JoinGroupRequest, response: JoinGroupResponse },
  syncGroup: { request: SyncGroupRequest, response: SyncGroupResponse },
  heartbeat: { request: HeartbeatRequest, response: HeartbeatResponse },
  offsetCommit: { request: OffsetCommitRequest, response: OffsetCommitResponse },
  offsetFetch: { request: OffsetFetchRequest, response: OffsetFetchResponse },
  createTopics: { request: CreateTopicsRequest, response: CreateTopicsResponse },
  deleteTopics: { request: DeleteTopicsRequest, response: DeleteTopicsResponse },
  initProducerId: { request: InitProducerIdRequest, response: InitProducerIdResponse },
};

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function versionsLabel(api: KafkajsApi): string {
  const vs = KAFKAJS_VERSIONS[api];
  return `v${vs[0]}-v${vs[vs.length - 1]}`;
}

/** Runs a check at each version kafkajs implements, naming the version in any failure. */
async function forEachVersion(api: KafkajsApi, check: (version: number) => Promise<void>): Promise<void> {
  for (const version of kafkajsVersions(api)) {
    try {
      await check(version);
    } catch (e) {
      if (e instanceof Error) e.message = `${api} v${version}: ${e.message}`;
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The two directions of a cross-check.

/**
 * Builds a request with kafkajs, decodes its body with our codec to `expected`, re-encodes it to
 * the same bytes, and reads kafkajs's whole frame with our request header. Returns what we decoded.
 */
async function crossCheckRequest<A extends KafkajsApi, T>(
  api: A, codec: MessageCodec<T>, version: number, args: KafkajsRequestArgs[A], expected: T,
): Promise<T> {
  const { request } = kafkajsProtocol(api, version, args);
  assert.equal(request.apiVersion, version, 'kafkajs builds the version asked for');
  const spec = API_BY_KEY.get(request.apiKey);
  assert.ok(spec, `kafkajs's api key ${request.apiKey} (${request.apiName}) is one we know`);
  assert.equal(spec.request, codec, `kafkajs's api key ${request.apiKey} (${request.apiName}) is our ${spec.name}`);

  const body = (await request.encode()).buffer;
  const r = new Reader(body);
  const decoded = codec.read(r, version);
  assert.equal(r.pos, body.length, 'our codec reads every byte kafkajs wrote');
  assert.deepStrictEqual(decoded, expected);
  assert.equal(hex(codec.encode(decoded, version)), hex(body), 'our codec re-encodes to the bytes kafkajs wrote');

  // kafkajs frames every request with header v1 and reads every response after a bare correlation
  // id (header v0); our header tables must agree for each version kafkajs speaks.
  assert.equal(requestHeaderVersion(spec, version), 1);
  assert.equal(responseHeaderVersion(spec, version), 0);
  const correlationId = 0x10000 * request.apiKey + version;
  const frame = await kafkajsFrame(request, correlationId, CLIENT_ID);
  assert.equal(frame.readInt32BE(0), frame.length - 4, 'the frame starts with the size of the rest');
  const fr = new Reader(frame, 4);
  assert.deepStrictEqual(RequestHeader.read(fr, 1), {
    requestApiKey: request.apiKey, requestApiVersion: version, correlationId, clientId: CLIENT_ID,
  });
  assert.equal(hex(frame.subarray(fr.pos)), hex(body), 'the body follows the header, and only the body');
  return decoded;
}

/**
 * Encodes `value` with our codec and decodes it with kafkajs, which must see `expected` (after
 * `view`), find no error in it, and need every byte we wrote.
 */
async function crossCheckResponse<T>(
  api: KafkajsApi, codec: MessageCodec<T>, version: number, value: T, expected: unknown,
  view: (decoded: unknown) => unknown = (d) => d,
): Promise<void> {
  const bytes = codec.encode(value, version);
  const kafkajs = kafkajsResponse(api, version);
  const decoded = await kafkajs.decode(bytes);
  assert.deepStrictEqual(view(decoded), expected);
  assert.deepStrictEqual(await kafkajs.parse(decoded), decoded, 'kafkajs finds no error in the response');
  await assertKafkajsNeedsEveryByte(kafkajs, bytes, decoded);
}

/** Dropping our last byte must break kafkajs's decode or change what it sees: no byte is surplus. */
async function assertKafkajsNeedsEveryByte(kafkajs: KafkajsResponse, bytes: Buffer, full: unknown): Promise<void> {
  let shortened: unknown;
  try {
    shortened = await kafkajs.decode(bytes.subarray(0, bytes.length - 1));
  } catch {
    return;
  }
  assert.notDeepStrictEqual(shortened, full, 'kafkajs reads up to our last byte');
}

/** Decodes our response with kafkajs and expects `parse` to reject with the given error fields. */
async function expectKafkajsError<T>(
  api: KafkajsApi, codec: MessageCodec<T>, version: number, value: T, expected: Record<string, unknown>,
): Promise<void> {
  const kafkajs = kafkajsResponse(api, version);
  await assert.rejects(
    async () => kafkajs.parse(await kafkajs.decode(codec.encode(value, version))),
    (e: unknown) => {
      const seen = kafkajsError(e);
      const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, (seen as unknown as Record<string, unknown>)[k]]));
      assert.deepStrictEqual(picked, expected);
      return true;
    },
  );
}

/** How kafkajs reports a response's throttle time: as sent, or client-side from KIP-219 versions. */
function throttleView(ms: number, clientSide: boolean): Record<string, number> {
  return clientSide ? { throttleTime: 0, clientSideThrottleTime: ms } : { throttleTime: ms };
}

/** A legacy message or v2 record as kafkajs's fetch decoders hand it out, without batch context. */
function pickMessages(messages: unknown): unknown {
  assert.ok(Array.isArray(messages), 'kafkajs decodes messages as an array');
  return messages.map((m: unknown) => {
    assert.ok(typeof m === 'object' && m !== null);
    const { offset, timestamp, key, value, headers } = m as Record<string, unknown>;
    return { offset, timestamp, key, value, headers };
  });
}

// ---------------------------------------------------------------------------------------------

describe('kafkajs 2.2.4 and our codecs', () => {
  test('kafkajs implements the versions these cross-checks cover, all within our codecs\' ranges', () => {
    for (const api of Object.keys(KAFKAJS_VERSIONS) as KafkajsApi[]) {
      const versions = kafkajsVersions(api);
      assert.deepStrictEqual(versions, KAFKAJS_VERSIONS[api], api);
      const { request, response } = CODECS[api];
      for (const v of versions) {
        assert.ok(v >= request.lowestVersion && v <= request.highestVersion, `${api} request v${v}`);
        assert.ok(v >= response.lowestVersion && v <= response.highestVersion, `${api} response v${v}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// ApiVersions

describe('ApiVersions', () => {
  test(`an ApiVersions request kafkajs encodes (${versionsLabel('apiVersions')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('apiVersions', async (version) => {
      await crossCheckRequest('apiVersions', ApiVersionsRequest, version, {}, defaultApiVersionsRequest());
    });
  });

  test(`an ApiVersions response our codec encodes (${versionsLabel('apiVersions')}) reads in kafkajs as the same fields`, async () => {
    const apiKeys = [
      { apiKey: 0, minVersion: 0, maxVersion: 11 },
      { apiKey: 1, minVersion: 4, maxVersion: 17 },
      { apiKey: 3, minVersion: 0, maxVersion: 12 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ];
    await forEachVersion('apiVersions', async (version) => {
      const value = { ...defaultApiVersionsResponse(), apiKeys, throttleTimeMs: 250 };
      const base = { errorCode: 0, apiVersions: apiKeys };
      const expected = version === 0 ? base : { ...base, ...throttleView(250, version >= 2) };
      await crossCheckResponse('apiVersions', ApiVersionsResponse, version, value, expected);
    });
  });

  test('kafkajs rejects our ApiVersions response carrying UNSUPPORTED_VERSION while decoding it', async () => {
    await forEachVersion('apiVersions', async (version) => {
      const bytes = ApiVersionsResponse.encode({ ...defaultApiVersionsResponse(), errorCode: 35 }, version);
      await assert.rejects(kafkajsResponse('apiVersions', version).decode(bytes), (e: unknown) => {
        assert.deepStrictEqual(kafkajsError(e).type, 'UNSUPPORTED_VERSION');
        return true;
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Metadata

describe('Metadata', () => {
  test(`a Metadata request kafkajs encodes (${versionsLabel('metadata')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('metadata', async (version) => {
      await crossCheckRequest('metadata', MetadataRequest, version, { topics: TOPIC_NAMES, allowAutoTopicCreation: false }, {
        ...defaultMetadataRequest(),
        topics: TOPIC_NAMES.map((name) => ({ ...defaultMetadataRequestMetadataRequestTopic(), name })),
        allowAutoTopicCreation: version < 4, // the field arrives in v4; before it, our default (true)
      });
    });
  });

  test('a Metadata request kafkajs encodes for no named topics decodes as all topics: an empty array at v0, null from v1', async () => {
    await forEachVersion('metadata', async (version) => {
      await crossCheckRequest('metadata', MetadataRequest, version, { topics: [] }, {
        ...defaultMetadataRequest(),
        topics: version === 0 ? [] : null,
        allowAutoTopicCreation: true,
      });
    });
  });

  test(`a Metadata response our codec encodes (${versionsLabel('metadata')}) reads in kafkajs as the same fields`, async () => {
    const value: MetadataResponse = {
      ...defaultMetadataResponse(),
      throttleTimeMs: 100,
      brokers: [
        { nodeId: 1, host: 'broker-1.samsa.test', port: 9092, rack: 'eu-wëst-1a' },
        { nodeId: 2, host: 'broker-2.samsa.test', port: 19092, rack: null },
      ],
      clusterId: 'samsa-clüster-Qx3v',
      controllerId: 2,
      topics: [
        {
          ...defaultMetadataResponseMetadataResponseTopic(), name: 'événements.clients', isInternal: false,
          partitions: [
            { ...defaultMetadataResponseMetadataResponsePartition(), partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1, 2] },
            { ...defaultMetadataResponseMetadataResponsePartition(), partitionIndex: 1, leaderId: 2, replicaNodes: [2, 1], isrNodes: [2], offlineReplicas: [1] },
          ],
        },
        {
          ...defaultMetadataResponseMetadataResponseTopic(), name: '__consumer_offsets', isInternal: true,
          partitions: [{ ...defaultMetadataResponseMetadataResponsePartition(), partitionIndex: 0, leaderId: -1, replicaNodes: [3], isrNodes: [] }],
        },
      ],
    };
    await forEachVersion('metadata', async (version) => {
      const brokers = value.brokers.map((b) => (version === 0
        ? { nodeId: b.nodeId, host: b.host, port: b.port }
        : { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
      const topicMetadata = value.topics.map((t) => ({
        topicErrorCode: t.errorCode,
        topic: t.name,
        ...(version >= 1 ? { isInternal: t.isInternal } : {}),
        partitionMetadata: t.partitions.map((p) => ({
          partitionErrorCode: p.errorCode,
          partitionId: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          ...(version >= 5 ? { offlineReplicas: p.offlineReplicas } : {}),
        })),
      }));
      const expected = {
        brokers,
        ...(version >= 1 ? { controllerId: value.controllerId } : {}),
        ...(version >= 2 ? { clusterId: value.clusterId } : {}),
        ...(version >= 3 ? throttleView(100, version >= 6) : {}),
        topicMetadata,
      };
      await crossCheckResponse('metadata', MetadataResponse, version, value, expected);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Produce

// kafkajs's v3+ Produce builder finds a batch's first and max timestamps with a plain `.sort()`,
// which orders numbers as strings; timestamps of equal digit count (any epoch-ms since 2001) sort
// the same either way, so these batches do not depend on that quirk.
const MESSAGES_A: KafkajsMessage[] = [
  { key: 'customer-1', value: 'commande n°1 — 12,50 €', timestamp: T0 + 5, headers: { 'trace-id': 'a1b2c3', sprache: 'français' } },
  { key: null, value: Buffer.from([0x00, 0x01, 0x02, 0xff]), timestamp: T0 },
  { key: 'customer-2', value: '注文 2', timestamp: T0 + 42 },
];
const MESSAGES_B: KafkajsMessage[] = [
  { key: 'k', value: 'ünïcode välue', timestamp: T0 + 1000, headers: { retry: Buffer.from([7]) } },
];

type ProduceArgs = KafkajsRequestArgs['produce'];

function produceArgs(version: number): ProduceArgs {
  const transactional = version >= 3 && version % 2 === 0;
  return {
    acks: -1,
    timeout: 30_000,
    // gzip at v2 (a compressed wrapper message) and at odd versions from v3 (a compressed batch)
    compression: version === 2 || (version >= 3 && version % 2 === 1) ? KafkajsCompression.GZIP : KafkajsCompression.None,
    transactionalId: transactional ? TRANSACTIONAL_ID : null,
    producerId: String(PRODUCER_ID),
    producerEpoch: 3,
    topicData: [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, firstSequence: 17, messages: MESSAGES_A },
          { partition: 3, messages: MESSAGES_B },
        ],
      },
      { topic: 'événements.clients', partitions: [{ partition: 1, firstSequence: 2, messages: MESSAGES_B }] },
    ],
  };
}

/** The records kafkajs's producer writes for one partition, built with kafkajs's own batch code. */
async function kafkajsProduceRecords(
  version: number, args: ProduceArgs, partition: { firstSequence?: number; messages: KafkajsMessage[] },
): Promise<Buffer> {
  const { messages } = partition;
  if (version <= 1) return kafkajsMessageSet({ messageVersion: 0, entries: messages });
  if (version === 2) {
    if (args.compression !== KafkajsCompression.GZIP) return kafkajsMessageSet({ messageVersion: 1, compression: args.compression, entries: messages });
    const inner = kafkajsMessageSet({ messageVersion: 1, compression: args.compression, entries: messages });
    return kafkajsMessageSet({
      messageVersion: 1,
      entries: [{ compression: args.compression, timestamp: messages[0]?.timestamp, value: await kafkajsGzip(inner) }],
    });
  }
  const timestamps = messages.map((m) => m.timestamp ?? T0).sort((a, b) => a - b);
  return kafkajsRecordBatch({
    compression: args.compression,
    firstTimestamp: timestamps[0] ?? T0,
    maxTimestamp: timestamps[timestamps.length - 1] ?? T0,
    producerId: args.producerId,
    producerEpoch: args.producerEpoch,
    firstSequence: partition.firstSequence,
    transactional: Boolean(args.transactionalId),
    messages,
  });
}

describe('Produce', () => {
  test(`a Produce request kafkajs encodes (${versionsLabel('produce')}) decodes with our codec, its records are kafkajs's batch bytes, and it re-encodes to the same bytes`, async () => {
    await forEachVersion('produce', async (version) => {
      const args = produceArgs(version);
      const topicData = [];
      for (const t of args.topicData) {
        const partitionData = [];
        for (const p of t.partitions) partitionData.push({ index: p.partition, records: await kafkajsProduceRecords(version, args, p) });
        topicData.push({ name: t.topic, partitionData });
      }
      const decoded = await crossCheckRequest('produce', ProduceRequest, version, args, {
        transactionalId: version >= 3 ? (args.transactionalId ?? null) : null,
        acks: -1,
        timeoutMs: 30_000,
        topicData,
      });
      // The magic byte sits at offset 16 in every format: the format matches the request version.
      const magic = version <= 1 ? 0 : version === 2 ? 1 : 2;
      for (const t of decoded.topicData) for (const p of t.partitionData) assert.equal(p.records?.readInt8(16), magic);
    });
  });

  const produceResponse: ProduceResponse = {
    ...defaultProduceResponse(),
    throttleTimeMs: 15,
    responses: [
      {
        name: 'orders',
        partitionResponses: [
          { ...defaultProduceResponsePartitionProduceResponse(), index: 0, baseOffset: BIG_OFFSET, logAppendTimeMs: T0 + 123, logStartOffset: 42 },
          { ...defaultProduceResponsePartitionProduceResponse(), index: 3, baseOffset: 7, logAppendTimeMs: -1, logStartOffset: 0 },
        ],
      },
      {
        name: 'événements.clients',
        partitionResponses: [{ ...defaultProduceResponsePartitionProduceResponse(), index: 1, baseOffset: 2 ** 33, logAppendTimeMs: T0, logStartOffset: 2 ** 32 }],
      },
    ],
  };

  test(`a Produce response our codec encodes (${versionsLabel('produce')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('produce', async (version) => {
      const topics = produceResponse.responses.map((t) => ({
        topicName: t.name,
        partitions: t.partitionResponses.map((p) => {
          const head = { partition: p.index, errorCode: p.errorCode };
          if (version <= 1) return { ...head, offset: String(p.baseOffset) };
          if (version === 2) return { ...head, offset: String(p.baseOffset), timestamp: String(p.logAppendTimeMs) };
          return {
            ...head, baseOffset: String(p.baseOffset), logAppendTime: String(p.logAppendTimeMs),
            ...(version >= 5 ? { logStartOffset: String(p.logStartOffset) } : {}),
          };
        }),
      }));
      const expected = version === 0 ? { topics } : { topics, ...throttleView(15, version >= 6) };
      await crossCheckResponse('produce', ProduceResponse, version, produceResponse, expected);
    });
  });

  test('kafkajs raises the partition error code our Produce response carries', async () => {
    await forEachVersion('produce', async (version) => {
      const value = structuredClone(produceResponse);
      const failing = value.responses[1]?.partitionResponses[0];
      assert.ok(failing);
      failing.errorCode = 6;
      await expectKafkajsError('produce', ProduceResponse, version, value, { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', code: 6 });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Fetch

describe('Fetch', () => {
  const fetchArgs: KafkajsRequestArgs['fetch'] = {
    maxWaitTime: 5000,
    minBytes: 1,
    maxBytes: 10_485_760,
    isolationLevel: READ_COMMITTED,
    sessionId: 77,
    sessionEpoch: 4,
    forgottenTopics: [{ topic: 'old-tôpic', partitions: [0, 2] }],
    rackId: 'eu-wëst-1a',
    topics: [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, currentLeaderEpoch: 6, fetchOffset: String(BIG_OFFSET), logStartOffset: '17', maxBytes: 1_048_576 },
          { partition: 2, fetchOffset: '0', maxBytes: 524_288 },
        ],
      },
      { topic: 'événements.clients', partitions: [{ partition: 5, fetchOffset: 99, maxBytes: 65_536 }] },
    ],
  };

  test(`a Fetch request kafkajs encodes (${versionsLabel('fetch')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('fetch', async (version) => {
      const def = defaultFetchRequest();
      await crossCheckRequest('fetch', FetchRequest, version, fetchArgs, {
        ...def,
        replicaId: -1, // kafkajs's consumer default
        maxWaitMs: 5000,
        minBytes: 1,
        maxBytes: version >= 3 ? 10_485_760 : def.maxBytes,
        isolationLevel: version >= 4 ? READ_COMMITTED : def.isolationLevel,
        sessionId: version >= 7 ? 77 : def.sessionId,
        sessionEpoch: version >= 7 ? 4 : def.sessionEpoch,
        topics: fetchArgs.topics.map((t) => ({
          ...defaultFetchRequestFetchTopic(),
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            const pd = defaultFetchRequestFetchPartition();
            return {
              ...pd,
              partition: p.partition,
              currentLeaderEpoch: version >= 9 && p.currentLeaderEpoch !== undefined ? p.currentLeaderEpoch : pd.currentLeaderEpoch,
              fetchOffset: Number(p.fetchOffset),
              logStartOffset: version >= 5 && p.logStartOffset !== undefined ? Number(p.logStartOffset) : pd.logStartOffset,
              partitionMaxBytes: p.maxBytes,
            };
          }),
        })),
        forgottenTopicsData: version >= 7
          ? (fetchArgs.forgottenTopics ?? []).map((t) => ({ ...defaultFetchRequestForgottenTopic(), topic: t.topic, partitions: t.partitions }))
          : [],
        rackId: version >= 11 ? 'eu-wëst-1a' : def.rackId,
      });
    });
  });

  const fetched: KafkajsMessage[] = [
    { key: 'customer-1', value: 'commande n°1 — 12,50 €', timestamp: T0 + 5, headers: { 'trace-id': 'a1b2c3' } },
    { key: null, value: 'deuxième', timestamp: T0 + 9 },
  ];

  /** Records as a broker serves them to a fetcher of this version: magic 0, 1, then batches. */
  async function fetchedRecords(version: number): Promise<Buffer> {
    if (version <= 1) return kafkajsMessageSet({ messageVersion: 0, entries: fetched });
    if (version <= 3) return kafkajsMessageSet({ messageVersion: 1, entries: fetched });
    return kafkajsRecordBatch({ firstOffset: String(BIG_OFFSET), firstTimestamp: T0 + 5, maxTimestamp: T0 + 9, messages: fetched });
  }

  /** What kafkajs hands out for `fetched` once decoded from `fetchedRecords(version)`. */
  function fetchedView(version: number): unknown {
    return fetched.map((m, i) => ({
      offset: String(version <= 3 ? i : BIG_OFFSET + i),
      timestamp: version <= 1 ? undefined : String(m.timestamp),
      key: m.key === null || m.key === undefined ? null : Buffer.from(m.key),
      value: Buffer.from(m.value ?? ''),
      headers: version <= 3 ? undefined : Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    }));
  }

  async function fetchResponse(version: number): Promise<FetchResponse> {
    return {
      ...defaultFetchResponse(),
      throttleTimeMs: 20,
      errorCode: 0,
      sessionId: version >= 7 ? 77 : 0,
      responses: [
        {
          ...defaultFetchResponseFetchableTopicResponse(),
          topic: 'orders',
          partitions: [
            {
              ...defaultFetchResponsePartitionData(),
              partitionIndex: 0,
              highWatermark: BIG_OFFSET + 100,
              lastStableOffset: BIG_OFFSET + 90,
              logStartOffset: 17,
              abortedTransactions: [{ producerId: PRODUCER_ID, firstOffset: BIG_OFFSET + 50 }],
              preferredReadReplica: version >= 11 ? 2 : -1,
              records: await fetchedRecords(version),
            },
            {
              // read_uncommitted fetchers get null aborted transactions; an empty partition has no records
              ...defaultFetchResponsePartitionData(), partitionIndex: 2, highWatermark: 0, abortedTransactions: null,
            },
          ],
        },
      ],
    };
  }

  test(`a Fetch response our codec encodes (${versionsLabel('fetch')}) reads in kafkajs as the same fields and records`, async () => {
    await forEachVersion('fetch', async (version) => {
      const value = await fetchResponse(version);
      const responses = value.responses.map((t) => ({
        topicName: t.topic,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          highWatermark: String(p.highWatermark),
          ...(version >= 4 ? { lastStableOffset: String(p.lastStableOffset) } : {}),
          ...(version >= 5 ? { lastStartOffset: String(p.logStartOffset) } : {}),
          ...(version >= 4 ? {
            abortedTransactions: (p.abortedTransactions ?? []).map((a) => ({ producerId: String(a.producerId), firstOffset: String(a.firstOffset) })),
          } : {}),
          ...(version >= 11 ? { preferredReadReplica: p.preferredReadReplica } : {}),
          messages: p.records !== null && p.records.length > 0 ? fetchedView(version) : [],
        })),
      }));
      const expected = {
        ...(version >= 1 ? throttleView(20, version >= 8) : {}),
        ...(version >= 7 ? { errorCode: 0, sessionId: 77 } : {}),
        responses,
      };
      await crossCheckResponse('fetch', FetchResponse, version, value, expected, (decoded) => {
        const d = decoded as { responses: Array<{ partitions: Array<{ messages: unknown }> }> };
        return {
          ...d,
          responses: d.responses.map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, messages: pickMessages(p.messages) })) })),
        };
      });
    });
  });

  test('kafkajs raises OFFSET_OUT_OF_RANGE from our Fetch response with the topic and partition it names', async () => {
    await forEachVersion('fetch', async (version) => {
      const value = await fetchResponse(version);
      const failing = value.responses[0]?.partitions[1];
      assert.ok(failing);
      failing.errorCode = 1;
      await expectKafkajsError('fetch', FetchResponse, version, value, {
        name: 'KafkaJSOffsetOutOfRange', type: 'OFFSET_OUT_OF_RANGE', topic: 'orders', partition: 2,
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// ListOffsets

describe('ListOffsets', () => {
  const listOffsetsArgs: KafkajsRequestArgs['listOffsets'] = {
    isolationLevel: READ_COMMITTED,
    topics: [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, timestamp: -1 }, // latest
          { partition: 1, timestamp: -2 }, // earliest
          { partition: 2, timestamp: T0, maxNumOffsets: 3 },
        ],
      },
      { topic: 'événements.clients', partitions: [{ partition: 4, timestamp: String(T0 + 1) }] },
    ],
  };

  test(`a ListOffsets request kafkajs encodes (${versionsLabel('listOffsets')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('listOffsets', async (version) => {
      const def = defaultListOffsetsRequest();
      await crossCheckRequest('listOffsets', ListOffsetsRequest, version, listOffsetsArgs, {
        ...def,
        replicaId: -1,
        isolationLevel: version >= 2 ? READ_COMMITTED : def.isolationLevel,
        topics: listOffsetsArgs.topics.map((t) => ({
          name: t.topic,
          partitions: t.partitions.map((p) => {
            const pd = defaultListOffsetsRequestListOffsetsPartition();
            return {
              ...pd,
              partitionIndex: p.partition,
              timestamp: Number(p.timestamp),
              // v0 only; kafkajs's v0 default (1) is the spec's default too
              maxNumOffsets: version === 0 ? (p.maxNumOffsets ?? 1) : pd.maxNumOffsets,
            };
          }),
        })),
      });
    });
  });

  test(`a ListOffsets response our codec encodes (${versionsLabel('listOffsets')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('listOffsets', async (version) => {
      const p = defaultListOffsetsResponseListOffsetsPartitionResponse();
      const at = (partitionIndex: number, offset: number, timestamp: number): typeof p => (version === 0
        ? { ...p, partitionIndex, oldStyleOffsets: [offset, 0] }
        : { ...p, partitionIndex, offset, timestamp });
      const value: ListOffsetsResponse = {
        ...defaultListOffsetsResponse(),
        throttleTimeMs: 30,
        topics: [
          { name: 'orders', partitions: [at(0, BIG_OFFSET, -1), at(1, 0, -1), at(2, 2 ** 35, T0)] },
          { name: 'événements.clients', partitions: [at(4, 12, T0 + 1)] },
        ],
      };
      const responses = value.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((q) => (version === 0
          ? { partition: q.partitionIndex, errorCode: q.errorCode, offsets: q.oldStyleOffsets.map(String) }
          : { partition: q.partitionIndex, errorCode: q.errorCode, timestamp: String(q.timestamp), offset: String(q.offset) })),
      }));
      const expected = version >= 2 ? { ...throttleView(30, version >= 3), responses } : { responses };
      await crossCheckResponse('listOffsets', ListOffsetsResponse, version, value, expected);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// FindCoordinator

describe('FindCoordinator', () => {
  test(`a FindCoordinator request kafkajs encodes (${versionsLabel('findCoordinator')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('findCoordinator', async (version) => {
      await crossCheckRequest('findCoordinator', FindCoordinatorRequest, version, { groupId: TRANSACTIONAL_ID, coordinatorType: TRANSACTION_COORDINATOR }, {
        ...defaultFindCoordinatorRequest(),
        key: TRANSACTIONAL_ID,
        keyType: version >= 1 ? TRANSACTION_COORDINATOR : 0,
      });
    });
  });

  test(`a FindCoordinator response our codec encodes (${versionsLabel('findCoordinator')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('findCoordinator', async (version) => {
      const value: FindCoordinatorResponse = {
        ...defaultFindCoordinatorResponse(), throttleTimeMs: 40, errorMessage: null, nodeId: 3, host: 'broker-3.samsa.test', port: 29092,
      };
      const base = { errorCode: 0, coordinator: { nodeId: 3, host: 'broker-3.samsa.test', port: 29092 } };
      const expected = version === 0 ? base : { ...base, errorMessage: null, ...throttleView(40, version >= 2) };
      await crossCheckResponse('findCoordinator', FindCoordinatorResponse, version, value, expected);
    });
  });

  test('kafkajs raises the error code our FindCoordinator response carries', async () => {
    await forEachVersion('findCoordinator', async (version) => {
      const value = { ...defaultFindCoordinatorResponse(), errorCode: 15, errorMessage: 'coordinator not available: lädt', nodeId: -1, port: -1 };
      await expectKafkajsError('findCoordinator', FindCoordinatorResponse, version, value, { type: 'GROUP_COORDINATOR_NOT_AVAILABLE', code: 15 });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// JoinGroup, SyncGroup, Heartbeat

describe('JoinGroup', () => {
  const protocols = [
    { name: 'RoundRobinAssigner', metadata: kafkajsMemberMetadata({ version: 1, topics: TOPIC_NAMES, userData: Buffer.from('zone=eu-wëst') }) },
    { name: 'cooperative-sticky', metadata: kafkajsMemberMetadata({ version: 0, topics: ['orders'] }) },
  ];

  test(`a JoinGroup request kafkajs encodes (${versionsLabel('joinGroup')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('joinGroup', async (version) => {
      const def = defaultJoinGroupRequest();
      await crossCheckRequest('joinGroup', JoinGroupRequest, version, {
        groupId: GROUP_ID, sessionTimeout: 30_000, rebalanceTimeout: 60_000, memberId: MEMBER_ID,
        groupInstanceId: GROUP_INSTANCE_ID, protocolType: 'consumer', groupProtocols: protocols,
      }, {
        ...def,
        groupId: GROUP_ID,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: version >= 1 ? 60_000 : def.rebalanceTimeoutMs,
        memberId: MEMBER_ID,
        groupInstanceId: version >= 5 ? GROUP_INSTANCE_ID : null,
        protocolType: 'consumer',
        protocols,
      });
    });
  });

  function joinGroupResponse(errorCode: number): JoinGroupResponse {
    return {
      ...defaultJoinGroupResponse(),
      throttleTimeMs: 50,
      errorCode,
      generationId: 7,
      protocolName: 'RoundRobinAssigner',
      leader: MEMBER_ID,
      memberId: MEMBER_ID,
      members: [
        { memberId: MEMBER_ID, groupInstanceId: GROUP_INSTANCE_ID, metadata: protocols[0]?.metadata ?? Buffer.alloc(0) },
        { memberId: OTHER_MEMBER_ID, groupInstanceId: null, metadata: Buffer.from([0, 1, 0, 0, 0, 0]) },
      ],
    };
  }

  test(`a JoinGroup response our codec encodes (${versionsLabel('joinGroup')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('joinGroup', async (version) => {
      const value = joinGroupResponse(0);
      const expected = {
        ...(version >= 2 ? throttleView(50, version >= 3) : {}),
        errorCode: 0,
        generationId: 7,
        groupProtocol: 'RoundRobinAssigner',
        leaderId: MEMBER_ID,
        memberId: MEMBER_ID,
        members: value.members.map((m) => ({
          memberId: m.memberId,
          ...(version >= 5 ? { groupInstanceId: m.groupInstanceId } : {}),
          memberMetadata: m.metadata,
        })),
      };
      await crossCheckResponse('joinGroup', JoinGroupResponse, version, value, expected);
    });
  });

  test('kafkajs reads MEMBER_ID_REQUIRED from our JoinGroup response, and from v4 the member id the broker assigned', async () => {
    await forEachVersion('joinGroup', async (version) => {
      const value = { ...joinGroupResponse(79), generationId: -1, protocolName: '', leader: '', members: [] };
      await expectKafkajsError('joinGroup', JoinGroupResponse, version, value, version >= 4
        ? { name: 'KafkaJSMemberIdRequired', type: 'MEMBER_ID_REQUIRED', memberId: MEMBER_ID }
        : { name: 'KafkaJSProtocolError', type: 'MEMBER_ID_REQUIRED' });
    });
  });
});

describe('SyncGroup', () => {
  const assignments = [
    { memberId: MEMBER_ID, memberAssignment: kafkajsMemberAssignment({ version: 0, assignment: { orders: [0, 2], 'événements.clients': [1] }, userData: Buffer.from('gén=7') }) },
    { memberId: OTHER_MEMBER_ID, memberAssignment: kafkajsMemberAssignment({ version: 0, assignment: { orders: [1, 3] } }) },
  ];

  test(`a SyncGroup request kafkajs encodes (${versionsLabel('syncGroup')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('syncGroup', async (version) => {
      await crossCheckRequest('syncGroup', SyncGroupRequest, version, {
        groupId: GROUP_ID, generationId: 7, memberId: MEMBER_ID, groupInstanceId: GROUP_INSTANCE_ID, groupAssignment: assignments,
      }, {
        ...defaultSyncGroupRequest(),
        groupId: GROUP_ID,
        generationId: 7,
        memberId: MEMBER_ID,
        groupInstanceId: version >= 3 ? GROUP_INSTANCE_ID : null,
        assignments: assignments.map((a) => ({ memberId: a.memberId, assignment: a.memberAssignment })),
      });
    });
  });

  test(`a SyncGroup response our codec encodes (${versionsLabel('syncGroup')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('syncGroup', async (version) => {
      const assignment = assignments[0]?.memberAssignment ?? Buffer.alloc(0);
      const value: SyncGroupResponse = { ...defaultSyncGroupResponse(), throttleTimeMs: 60, assignment };
      const base = { errorCode: 0, memberAssignment: assignment };
      const expected = version === 0 ? base : { ...base, ...throttleView(60, version >= 2) };
      await crossCheckResponse('syncGroup', SyncGroupResponse, version, value, expected);
    });
  });
});

describe('Heartbeat', () => {
  test(`a Heartbeat request kafkajs encodes (${versionsLabel('heartbeat')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('heartbeat', async (version) => {
      await crossCheckRequest('heartbeat', HeartbeatRequest, version, {
        groupId: GROUP_ID, groupGenerationId: 7, memberId: MEMBER_ID, groupInstanceId: GROUP_INSTANCE_ID,
      }, {
        ...defaultHeartbeatRequest(),
        groupId: GROUP_ID,
        generationId: 7,
        memberId: MEMBER_ID,
        groupInstanceId: version >= 3 ? GROUP_INSTANCE_ID : null,
      });
    });
  });

  test(`a Heartbeat response our codec encodes (${versionsLabel('heartbeat')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('heartbeat', async (version) => {
      const value = { ...defaultHeartbeatResponse(), throttleTimeMs: 70 };
      const expected = version === 0 ? { errorCode: 0 } : { errorCode: 0, ...throttleView(70, version >= 2) };
      await crossCheckResponse('heartbeat', HeartbeatResponse, version, value, expected);
    });
  });

  test('kafkajs raises REBALANCE_IN_PROGRESS from our Heartbeat response', async () => {
    await forEachVersion('heartbeat', async (version) => {
      await expectKafkajsError('heartbeat', HeartbeatResponse, version, { ...defaultHeartbeatResponse(), errorCode: 27 }, {
        name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS', code: 27,
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// OffsetCommit, OffsetFetch

describe('OffsetCommit', () => {
  const offsetCommitArgs: KafkajsRequestArgs['offsetCommit'] = {
    groupId: GROUP_ID,
    groupGenerationId: 7,
    memberId: MEMBER_ID,
    retentionTime: 86_400_000,
    topics: [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: String(BIG_OFFSET), timestamp: T0, metadata: 'checkpoint-ü' },
          { partition: 1, offset: '5', timestamp: T0 + 1 },
        ],
      },
      { topic: 'événements.clients', partitions: [{ partition: 4, offset: 0, timestamp: T0 + 2, metadata: '' }] },
    ],
  };

  test(`an OffsetCommit request kafkajs encodes (${versionsLabel('offsetCommit')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('offsetCommit', async (version) => {
      const def = defaultOffsetCommitRequest();
      await crossCheckRequest('offsetCommit', OffsetCommitRequest, version, offsetCommitArgs, {
        ...def,
        groupId: GROUP_ID,
        generationIdOrMemberEpoch: version >= 1 ? 7 : def.generationIdOrMemberEpoch,
        memberId: version >= 1 ? MEMBER_ID : def.memberId,
        retentionTimeMs: version >= 2 && version <= 4 ? 86_400_000 : def.retentionTimeMs,
        topics: offsetCommitArgs.topics.map((t) => ({
          name: t.topic,
          partitions: t.partitions.map((p) => ({
            ...defaultOffsetCommitRequestOffsetCommitRequestPartition(),
            partitionIndex: p.partition,
            committedOffset: Number(p.offset),
            commitTimestamp: version === 1 ? Number(p.timestamp) : -1,
            committedMetadata: p.metadata ?? null, // kafkajs writes a missing metadata as null
          })),
        })),
      });
    });
  });

  test(`an OffsetCommit response our codec encodes (${versionsLabel('offsetCommit')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('offsetCommit', async (version) => {
      const value: OffsetCommitResponse = {
        ...defaultOffsetCommitResponse(),
        throttleTimeMs: 80,
        topics: [
          { name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] },
          { name: 'événements.clients', partitions: [{ partitionIndex: 4, errorCode: 0 }] },
        ],
      };
      const responses = value.topics.map((t) => ({
        topic: t.name, partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, errorCode: p.errorCode })),
      }));
      const expected = version >= 3 ? { ...throttleView(80, version >= 4), responses } : { responses };
      await crossCheckResponse('offsetCommit', OffsetCommitResponse, version, value, expected);
    });
  });
});

describe('OffsetFetch', () => {
  const offsetFetchTopics = [
    { topic: 'orders', partitions: [{ partition: 0 }, { partition: 3 }] },
    { topic: 'événements.clients', partitions: [{ partition: 1 }] },
  ];

  test(`an OffsetFetch request kafkajs encodes (${versionsLabel('offsetFetch')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('offsetFetch', async (version) => {
      await crossCheckRequest('offsetFetch', OffsetFetchRequest, version, { groupId: GROUP_ID, topics: offsetFetchTopics }, {
        ...defaultOffsetFetchRequest(),
        groupId: GROUP_ID,
        topics: offsetFetchTopics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions.map((p) => p.partition) })),
      });
    });
  });

  test('an OffsetFetch request kafkajs encodes for no named topics decodes as an empty list before v3 and as all topics (null) from v3', async () => {
    await forEachVersion('offsetFetch', async (version) => {
      await crossCheckRequest('offsetFetch', OffsetFetchRequest, version, { groupId: GROUP_ID, topics: [] }, {
        ...defaultOffsetFetchRequest(), groupId: GROUP_ID, topics: version >= 3 ? null : [],
      });
    });
  });

  function offsetFetchResponse(errorCode: number): OffsetFetchResponse {
    const p = defaultOffsetFetchResponseOffsetFetchResponsePartition();
    return {
      ...defaultOffsetFetchResponse(),
      throttleTimeMs: 90,
      errorCode,
      topics: [
        {
          name: 'orders',
          partitions: [
            { ...p, partitionIndex: 0, committedOffset: BIG_OFFSET, metadata: 'checkpoint-ü' },
            { ...p, partitionIndex: 3, committedOffset: -1, metadata: null }, // nothing committed
          ],
        },
        { name: 'événements.clients', partitions: [{ ...p, partitionIndex: 1, committedOffset: 0, metadata: '' }] },
      ],
    };
  }

  test(`an OffsetFetch response our codec encodes (${versionsLabel('offsetFetch')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('offsetFetch', async (version) => {
      const value = offsetFetchResponse(0);
      const responses = value.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex, offset: String(p.committedOffset), metadata: p.metadata, errorCode: p.errorCode,
        })),
      }));
      const expected = {
        ...(version >= 3 ? throttleView(90, version >= 4) : {}),
        responses,
        ...(version >= 2 ? { errorCode: 0 } : {}),
      };
      await crossCheckResponse('offsetFetch', OffsetFetchResponse, version, value, expected);
    });
  });

  test('kafkajs raises the group-level error code our OffsetFetch response carries from v2', async () => {
    await forEachVersion('offsetFetch', async (version) => {
      if (version < 2) return;
      await expectKafkajsError('offsetFetch', OffsetFetchResponse, version, { ...offsetFetchResponse(16), topics: [] }, {
        type: 'NOT_COORDINATOR_FOR_GROUP', code: 16,
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// CreateTopics, DeleteTopics, InitProducerId

describe('CreateTopics', () => {
  const createTopicsArgs: KafkajsRequestArgs['createTopics'] = {
    topics: [
      {
        topic: 'orders',
        numPartitions: 6,
        replicationFactor: 3,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'retention.ms', value: '604800000' },
          { name: 'message.timestamp.type', value: null },
        ],
      },
      {
        topic: 'événements.clients',
        replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 3] }],
      },
    ],
    validateOnly: true,
    timeout: 15_000,
  };

  test(`a CreateTopics request kafkajs encodes (${versionsLabel('createTopics')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('createTopics', async (version) => {
      await crossCheckRequest('createTopics', CreateTopicsRequest, version, createTopicsArgs, {
        ...defaultCreateTopicsRequest(),
        topics: createTopicsArgs.topics.map((t) => ({
          ...defaultCreateTopicsRequestCreatableTopic(),
          name: t.topic,
          numPartitions: t.numPartitions ?? -1, // kafkajs's defaults ask the broker for its own
          replicationFactor: t.replicationFactor ?? -1,
          assignments: (t.replicaAssignment ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.replicas })),
          configs: t.configEntries ?? [],
        })),
        timeoutMs: 15_000,
        validateOnly: version >= 1,
      });
    });
  });

  function createTopicsResponse(failing: number): CreateTopicsResponse {
    const r = defaultCreateTopicsResponseCreatableTopicResult();
    return {
      ...defaultCreateTopicsResponse(),
      throttleTimeMs: 110,
      // in an order kafkajs does not keep: it sorts by name
      topics: [
        { ...r, name: 'orders', errorCode: failing, errorMessage: failing === 0 ? null : 'Topic \'orders\' already exists.' },
        { ...r, name: 'audit-log', errorCode: 0, errorMessage: null },
        { ...r, name: 'événements.clients', errorCode: 0, errorMessage: null },
      ],
    };
  }

  test(`a CreateTopics response our codec encodes (${versionsLabel('createTopics')}) reads in kafkajs as the same fields, sorted by topic name`, async () => {
    await forEachVersion('createTopics', async (version) => {
      const value = createTopicsResponse(0);
      const topicErrors = value.topics
        .map((t) => ({ topic: t.name, errorCode: t.errorCode, ...(version >= 1 ? { errorMessage: t.errorMessage } : {}) }))
        .sort((a, b) => a.topic.localeCompare(b.topic));
      const expected = version >= 2 ? { ...throttleView(110, version >= 3), topicErrors } : { topicErrors };
      await crossCheckResponse('createTopics', CreateTopicsResponse, version, value, expected);
    });
  });

  test('kafkajs raises TOPIC_ALREADY_EXISTS for the topic our CreateTopics response names', async () => {
    await forEachVersion('createTopics', async (version) => {
      await expectKafkajsError('createTopics', CreateTopicsResponse, version, createTopicsResponse(36), {
        name: 'KafkaJSAggregateError',
        errors: [{ name: 'KafkaJSCreateTopicError', type: 'TOPIC_ALREADY_EXISTS', code: 36, topic: 'orders' }],
      });
    });
  });
});

describe('DeleteTopics', () => {
  test(`a DeleteTopics request kafkajs encodes (${versionsLabel('deleteTopics')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('deleteTopics', async (version) => {
      await crossCheckRequest('deleteTopics', DeleteTopicsRequest, version, { topics: TOPIC_NAMES, timeout: 15_000 }, {
        ...defaultDeleteTopicsRequest(), topicNames: TOPIC_NAMES, timeoutMs: 15_000,
      });
    });
  });

  test(`a DeleteTopics response our codec encodes (${versionsLabel('deleteTopics')}) reads in kafkajs as the same fields, sorted by topic name`, async () => {
    await forEachVersion('deleteTopics', async (version) => {
      const r = defaultDeleteTopicsResponseDeletableTopicResult();
      const value: DeleteTopicsResponse = {
        ...defaultDeleteTopicsResponse(),
        throttleTimeMs: 120,
        responses: TOPIC_NAMES.map((name) => ({ ...r, name, topicId: ZERO_UUID })),
      };
      const topicErrors = TOPIC_NAMES.map((topic) => ({ topic, errorCode: 0 })).sort((a, b) => a.topic.localeCompare(b.topic));
      const expected = version >= 1 ? { ...throttleView(120, true), topicErrors } : { topicErrors };
      await crossCheckResponse('deleteTopics', DeleteTopicsResponse, version, value, expected);
    });
  });
});

describe('InitProducerId', () => {
  test(`an InitProducerId request kafkajs encodes (${versionsLabel('initProducerId')}) decodes with our codec and re-encodes to the same bytes`, async () => {
    await forEachVersion('initProducerId', async (version) => {
      await crossCheckRequest('initProducerId', InitProducerIdRequest, version, { transactionalId: TRANSACTIONAL_ID, transactionTimeout: 60_000 }, {
        ...defaultInitProducerIdRequest(), transactionalId: TRANSACTIONAL_ID, transactionTimeoutMs: 60_000,
      });
    });
  });

  test('an InitProducerId request kafkajs\'s idempotent producer encodes without a transactional id decodes as a null id', async () => {
    await forEachVersion('initProducerId', async (version) => {
      await crossCheckRequest('initProducerId', InitProducerIdRequest, version, {}, {
        ...defaultInitProducerIdRequest(), transactionalId: null, transactionTimeoutMs: 5000, // kafkajs's default timeout
      });
    });
  });

  test(`an InitProducerId response our codec encodes (${versionsLabel('initProducerId')}) reads in kafkajs as the same fields`, async () => {
    await forEachVersion('initProducerId', async (version) => {
      const value = { ...defaultInitProducerIdResponse(), throttleTimeMs: 130, producerId: PRODUCER_ID, producerEpoch: 3 };
      const expected = { ...throttleView(130, version >= 1), errorCode: 0, producerId: String(PRODUCER_ID), producerEpoch: 3 };
      await crossCheckResponse('initProducerId', InitProducerIdResponse, version, value, expected);
    });
  });
});
