/**
 * Resource limits of a live broker's connections: what one client can make it hold.
 *
 * - A size prefix above socket.request.max.bytes closes the connection before anything of that
 *   size exists; a frame of exactly that size is read.
 * - A thousand idle connections cost a bounded amount of memory, all of which comes back once
 *   connections.max.idle.ms closes them; a connection in use stays open.
 * - A client that pipelines Fetch requests for megabytes and stops reading holds the broker to
 *   about one response in memory (it reads no further request until the client drains), while
 *   other clients are served; once it reads again it gets every response, in order.
 * - A Fetch response queued for a slow reader keeps its bytes while other clients' Fetches reuse
 *   the pooled read buffers.
 * - Pipelined requests are answered in request order even when the first is a long-poll Fetch.
 *
 * Memory is measured in a broker running in a process of its own (test/support/broker-process.ts),
 * after full collections, so the test's own sockets and buffers do not count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  type ApiVersionsResponse, type FetchRequest, type FetchResponse, type ListOffsetsResponse, type MetadataResponse,
  defaultFetchRequest,
} from '../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../src/protocol/record-batch/index.js';
import { BrokerProcess, type MemorySample } from '../support/broker-process.js';
import { FrameSocket, decodeResponse, requestFrame, sizePrefixed } from '../support/frame-socket.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Each test normally takes a second or two; a hang fails it rather than the whole run. */
const TEST_TIMEOUT_MS = 30_000;

interface TestContext {
  after(fn: () => Promise<void> | void): void;
  diagnostic(message: string): void;
}

async function brokerProcess(t: TestContext, config: Record<string, string>): Promise<BrokerProcess> {
  const broker = await BrokerProcess.start(config);
  t.after(() => broker.close());
  return broker;
}

async function connect(t: TestContext, port: number): Promise<FrameSocket> {
  const socket = await FrameSocket.connect(port);
  t.after(() => socket.close());
  return socket;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(2)} MiB`;
}

function growth(before: MemorySample, after: MemorySample): string {
  return `heapUsed ${mib(after.heapUsed - before.heapUsed)}, arrayBuffers ${mib(after.arrayBuffers - before.arrayBuffers)}, rss ${mib(after.rss - before.rss)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 20 ms until it holds; at most `limitMs` (the test then fails on what it sees). */
async function eventually(probe: () => Promise<boolean>, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await probe()) && Date.now() < until) await sleep(20);
}

async function apiVersions(socket: FrameSocket, correlationId: number): Promise<ApiVersionsResponse> {
  socket.write(requestFrame(18, 3, correlationId, { clientSoftwareName: 'connections-test', clientSoftwareVersion: '1' }));
  const frame = await socket.next();
  assert.ok(frame !== null, 'the broker closed the connection instead of answering');
  const res = decodeResponse<ApiVersionsResponse>(18, 3, frame);
  assert.equal(res.correlationId, correlationId);
  return res.body;
}

function fetchRequest(topic: string, fetchOffset: number, maxWaitMs: number, maxBytes: number): FetchRequest {
  return {
    ...defaultFetchRequest(), maxWaitMs, minBytes: 1, maxBytes,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: ZERO_UUID }] }],
  };
}

function kafkajs(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'connections-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

/** Resumes `socket` and reads Fetch v12 responses 1..count, each carrying exactly `records`. */
async function expectFetchResponses(socket: FrameSocket, count: number, records: Buffer): Promise<void> {
  socket.resume();
  for (let i = 1; i <= count; i++) {
    const frame = await socket.next();
    assert.ok(frame !== null, `response ${i} arrived`);
    const res = decodeResponse<FetchResponse>(1, 12, frame);
    assert.equal(res.correlationId, i);
    assert.ok(res.body.responses[0]!.partitions[0]!.records!.equals(records), `response ${i} carries the records it was built from`);
  }
}

/** Creates `topics` (name → partitions) and hands back a connected producer, disconnected after the test. */
async function producerFor(t: TestContext, bootstrap: string, topics: Readonly<Record<string, number>>): Promise<Producer> {
  const kafka = kafkajs(bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })) });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  t.after(() => producer.disconnect());
  await producer.connect();
  return producer;
}

describe('a broker bounds what one connection can make it hold', () => {
  test('a size prefix above socket.request.max.bytes closes the connection before anything of that size is allocated', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const maxBytes = MiB;
    const broker = await brokerProcess(t, { 'socket.request.max.bytes': String(maxBytes) });
    const bystander = await connect(t, broker.port);
    await apiVersions(bystander, 1);
    const before = await broker.memory();

    const refused = [maxBytes + 1, 64 * MiB, 1024 * MiB, 0x7fffffff, -1, -0x80000000];
    for (const size of refused) {
      const socket = await connect(t, broker.port);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      // Only the prefix: the broker must refuse it without waiting for (or making room for) a body.
      socket.write(prefix);
      await socket.closed;
      assert.ok(socket.wasClosedByBroker, `size ${size}: closed by the broker`);
    }
    const after = await broker.memory();
    t.diagnostic(`after ${refused.length} refused prefixes up to 2 GiB: ${growth(before, after)}`);
    assert.ok(after.arrayBuffers - before.arrayBuffers < MiB, 'no buffer was sized by a refused prefix');
    assert.ok(after.heapUsed - before.heapUsed < 2 * MiB);

    // Exactly the limit is read: a frame of maxBytes reaches the request header (an unknown API key here).
    const atLimit = await connect(t, broker.port);
    const frame = Buffer.alloc(maxBytes);
    frame.writeInt16BE(0x7fff, 0);
    atLimit.write(sizePrefixed(frame));
    await atLimit.closed;
    assert.ok(atLimit.wasClosedByBroker);

    assert.equal((await apiVersions(bystander, 2)).errorCode, ErrorCode.NONE, 'other connections are still served');
    // The child's log lines arrive over a pipe, possibly after the close itself.
    const reasons = (): string[] => broker.logLines.map((line) => (JSON.parse(line) as { reason?: string }).reason).filter((r) => r !== undefined);
    await eventually(async () => reasons().length >= refused.length + 1, 2000);
    assert.equal(reasons().filter((r) => r.includes('socket.request.max.bytes')).length, refused.length, 'each refusal is logged with its reason');
    assert.ok(reasons().includes('unknown API key 32767'), 'the frame of exactly socket.request.max.bytes was read');
  });

  test('a thousand idle connections cost bounded memory, all returned when connections.max.idle.ms closes them', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const idleMs = 3000;
    const count = 1000;
    const burstSize = 250;
    const broker = await brokerProcess(t, { 'connections.max.idle.ms': String(idleMs) });
    // Warm up the accept and close paths so the baseline includes their compiled code.
    await Promise.all(Array.from({ length: 50 }, async () => (await FrameSocket.connect(broker.port)).close()));
    await eventually(async () => (await broker.connectionCount()) === 0, 2000);
    const baseline = await broker.memory();

    const active = await connect(t, broker.port);
    let correlationId = 0;
    const wave = async (n: number): Promise<{ open: MemorySample; closed: MemorySample }> => {
      // In bursts no larger than the listen backlog (511): beyond it the kernel drops handshakes
      // it cannot queue and the client retries them a second or more later.
      const sockets: FrameSocket[] = [];
      const connectedAt: number[] = [];
      t.after(() => sockets.forEach((s) => s.close()));
      for (let burst = 0; burst < count / burstSize; burst++) {
        sockets.push(...await Promise.all(Array.from({ length: burstSize }, () => FrameSocket.connect(broker.port))));
        connectedAt.push(...Array.from({ length: burstSize }, () => Date.now()));
        await eventually(async () => (await broker.connectionCount()) >= sockets.length + 1, idleMs / 4);
      }
      const openCount = await broker.connectionCount();
      const open = await broker.memory();
      t.diagnostic(`wave ${n}: ${openCount - 1} idle connections open: ${growth(baseline, open)}`);
      assert.equal(openCount, count + 1, 'every connection was accepted and is counted');

      // The active connection keeps talking through the idle window; the idle ones are closed.
      const idleFor: number[] = [];
      const allClosed = Promise.all(sockets.map(async (s, i) => {
        await s.closed;
        idleFor.push(Date.now() - connectedAt[i]!);
      }));
      let isDone = false;
      void allClosed.then(() => {
        isDone = true;
      });
      for (let i = 0; !isDone && i < 100; i++) {
        await apiVersions(active, ++correlationId);
        await sleep(idleMs / 5);
      }
      assert.ok(isDone, 'every idle connection was closed');
      assert.ok(sockets.every((s) => s.wasClosedByBroker));
      const earliest = Math.min(...idleFor);
      t.diagnostic(`wave ${n}: idle connections closed between ${earliest} and ${Math.max(...idleFor)} ms after opening`);
      assert.ok(earliest >= idleMs - 5, `an idle connection was closed after ${earliest} ms, before connections.max.idle.ms`);
      await eventually(async () => (await broker.connectionCount()) === 1, 2000);
      assert.equal(await broker.connectionCount(), 1, 'only the active connection remains');
      const closed = await broker.memory();
      t.diagnostic(`wave ${n}: after the idle close: ${growth(baseline, closed)}`);
      return { open, closed };
    };

    const first = await wave(1);
    const second = await wave(2);
    for (const { open } of [first, second]) {
      assert.ok(open.heapUsed - baseline.heapUsed < 16 * MiB, 'heap per idle connection stays in the kilobytes');
      assert.ok(open.arrayBuffers - baseline.arrayBuffers < 4 * MiB, 'an idle connection holds no buffers');
    }
    assert.ok(second.closed.heapUsed - first.closed.heapUsed < MiB, 'a second wave leaves nothing more behind than the first');
    assert.ok(second.closed.arrayBuffers - first.closed.arrayBuffers < MiB);
    assert.ok(second.closed.heapUsed - baseline.heapUsed < 2 * MiB, 'closed connections give their memory back');
    assert.ok(!active.hasClosed, 'the connection in use stayed open');
  });

  test('a client that stops reading its Fetch responses holds the broker to about one response', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const broker = await brokerProcess(t, {});
    const topic = 'bulk';
    const batches = 8;
    const valueBytes = 512 * KiB;
    const producer = await producerFor(t, broker.bootstrap, { [topic]: 1 });
    for (let i = 0; i < batches; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: Buffer.alloc(valueBytes, i) }] });

    // One reader that keeps up: what one response holds.
    const baseline = await broker.memory();
    const reader = await connect(t, broker.port);
    const fetchAll = (correlationId: number): Buffer => requestFrame(1, 12, correlationId, fetchRequest(topic, 0, 0, 64 * MiB));
    reader.write(fetchAll(1));
    const expected = decodeResponse<FetchResponse>(1, 12, (await reader.next())!).body.responses[0]!.partitions[0]!;
    const expectedRecords = Buffer.from(expected.records!);
    assert.equal(decodeRecordBatches(expectedRecords).length, batches);
    const responseBytes = expectedRecords.length;

    const pipelined = 48;
    const slow = await connect(t, broker.port);
    slow.pause();
    slow.write(Buffer.concat(Array.from({ length: pipelined }, (_, i) => fetchAll(i + 1))));
    // The broker writes until the kernel's buffers are full, then waits for the client to drain.
    let stalled: MemorySample | null = null;
    for (let i = 0; i < 5; i++) {
      await sleep(200);
      const sample = await broker.memory();
      if (stalled === null || sample.arrayBuffers > stalled.arrayBuffers) stalled = sample;
    }
    assert.ok(stalled !== null);
    t.diagnostic(`one response is ${mib(responseBytes)}; ${pipelined} pipelined (${mib(pipelined * responseBytes)}) with the reader stalled: ${growth(baseline, stalled)}`);
    assert.ok(stalled.arrayBuffers - baseline.arrayBuffers < responseBytes + 4 * MiB, 'the broker holds about one response, not all of them');
    assert.ok(stalled.rss - baseline.rss < 4 * responseBytes + 32 * MiB);

    // Others are served meanwhile, Fetch included.
    assert.equal((await apiVersions(reader, 2)).errorCode, ErrorCode.NONE);
    reader.write(fetchAll(3));
    const meanwhile = decodeResponse<FetchResponse>(1, 12, (await reader.next())!);
    assert.equal(meanwhile.correlationId, 3);
    assert.ok(meanwhile.body.responses[0]!.partitions[0]!.records!.equals(expectedRecords));
    const whileStalled = await broker.memory();
    t.diagnostic(`after serving another client's Fetch meanwhile: ${growth(baseline, whileStalled)}`);
    assert.ok(whileStalled.arrayBuffers - baseline.arrayBuffers < 2 * responseBytes + 4 * MiB);

    // Reading again, the slow client gets every response, in order, each complete.
    await expectFetchResponses(slow, pipelined, expectedRecords);
    assert.equal(slow.pendingFrames, 0);
    assert.ok(broker.isRunning);
  });

  test('a Fetch response waiting for a slow reader keeps its bytes while other Fetches reuse the read buffers', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    // Log reads borrow pooled buffers that go back once the response is written; given back any
    // earlier, another client's reads would overwrite a response still queued for a slow reader.
    const broker = await brokerProcess(t, {});
    const producer = await producerFor(t, broker.bootstrap, { slow: 1, busy: 1 });
    for (let i = 0; i < 4; i++) {
      await producer.send({ topic: 'slow', messages: [{ key: `s${i}`, value: Buffer.alloc(256 * KiB, 0x5a) }] });
      await producer.send({ topic: 'busy', messages: [{ key: `b${i}`, value: Buffer.alloc(256 * KiB, 0xb5) }] });
    }
    const fetchTopic = (topic: string, correlationId: number): Buffer => requestFrame(1, 12, correlationId, fetchRequest(topic, 0, 0, 2 * MiB));
    const other = await connect(t, broker.port);
    const recordsOf = async (socket: FrameSocket, topic: string, correlationId: number): Promise<Buffer> => {
      socket.write(fetchTopic(topic, correlationId));
      const res = decodeResponse<FetchResponse>(1, 12, (await socket.next())!);
      return Buffer.from(res.body.responses[0]!.partitions[0]!.records!);
    };
    const expected = await recordsOf(other, 'slow', 1);
    assert.equal(decodeRecordBatches(expected).length, 4);

    const pipelined = 24;
    const slow = await connect(t, broker.port);
    slow.pause();
    slow.write(Buffer.concat(Array.from({ length: pipelined }, (_, i) => fetchTopic('slow', i + 1))));
    await sleep(300);
    for (let i = 0; i < 40; i++) assert.equal(decodeRecordBatches(await recordsOf(other, 'busy', 100 + i)).length, 4);

    await expectFetchResponses(slow, pipelined, expected);
  });
});

describe('connections.max.idle.ms', () => {
  test('does not cut off a client that is still reading a large response, and closes one that stopped', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const idleMs = 500;
    const broker = await brokerProcess(t, { 'connections.max.idle.ms': String(idleMs) });
    const topic = 'large';
    const producer = await producerFor(t, broker.bootstrap, { [topic]: 1 });
    for (let i = 0; i < 24; i++) await producer.send({ topic, messages: [{ value: Buffer.alloc(512 * KiB, i) }] });
    await producer.disconnect();

    // Reads one socket chunk every 10 ms: the 12 MiB response takes seconds to drain, well past idleMs.
    const reader = await connect(t, broker.port);
    reader.socket.on('data', () => reader.pause());
    const pace = setInterval(() => reader.resume(), 10);
    t.after(() => clearInterval(pace));
    const started = Date.now();
    reader.write(requestFrame(1, 12, 1, fetchRequest(topic, 0, 0, 64 * MiB)));
    const frame = await reader.next();
    const drainedMs = Date.now() - started;
    clearInterval(pace);
    t.diagnostic(`a ${mib(reader.receivedBytes)} response read slowly took ${drainedMs} ms (connections.max.idle.ms ${idleMs})`);
    assert.ok(frame !== null, `the broker closed the connection after ${drainedMs} ms, with ${mib(reader.receivedBytes)} received`);
    const res = decodeResponse<FetchResponse>(1, 12, frame);
    assert.equal(decodeRecordBatches(res.body.responses[0]!.partitions[0]!.records!).length, 24);

    // A client that sends a Fetch and never reads makes no progress: it is idle, and closed. (Its
    // end of the connection learns so only when it reads: the FIN waits behind unread bytes.)
    const stalled = await connect(t, broker.port);
    stalled.pause();
    stalled.write(requestFrame(1, 12, 1, fetchRequest(topic, 0, 0, 64 * MiB)));
    await eventually(async () => (await broker.connectionCount()) === 0, 10 * idleMs);
    assert.equal(await broker.connectionCount(), 0, 'the stalled connection (and the idle reader) were closed');
    stalled.resume();
    await stalled.closed;
    assert.ok(stalled.wasClosedByBroker);
  });
});

describe('memory a partition keeps between requests', () => {
  test('does not grow with the size of the last produce request', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const broker = await brokerProcess(t, {});
    const partitions = 20;
    const producer = await producerFor(t, broker.bootstrap, { wide: partitions });
    const before = await broker.memory();
    for (let p = 0; p < partitions; p++) await producer.send({ topic: 'wide', messages: [{ partition: p, value: Buffer.alloc(900 * KiB, p) }] });
    const after = await broker.memory();
    t.diagnostic(`after one 900 KiB produce to each of ${partitions} partitions: ${growth(before, after)}`);
    assert.ok(after.arrayBuffers - before.arrayBuffers < 4 * MiB, 'request buffers are not kept once appended');
  });
});

describe('pipelined requests on one connection', () => {
  async function withBroker(t: TestContext): Promise<BrokerHandle> {
    const dataDir = mkdtempSync(join(tmpdir(), 'samsa-connections-'));
    const broker = await startBroker({ port: 0, dataDir, logger: pino({ level: process.env['SAMSA_TEST_LOG'] ?? 'silent' }) });
    t.after(async () => {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return broker;
  }

  async function createTopic(t: TestContext, broker: BrokerHandle, topic: string): Promise<Kafka> {
    const kafka = kafkajs(broker.bootstrap);
    const admin = kafka.admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    return kafka;
  }

  /** Fetch (long poll) first, then ApiVersions, Metadata, ListOffsets and an immediate Fetch, in one write. */
  function pipeline(topic: string, longPollMs: number): Buffer {
    return Buffer.concat([
      requestFrame(1, 12, 1, fetchRequest(topic, 0, longPollMs, MiB)),
      requestFrame(18, 3, 2, { clientSoftwareName: 'pipeline', clientSoftwareVersion: '1' }),
      requestFrame(3, 12, 3, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
      requestFrame(2, 7, 4, { replicaId: -1, isolationLevel: 0, timeoutMs: 1000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] }),
      requestFrame(1, 12, 5, fetchRequest(topic, 0, 0, MiB)),
    ]);
  }

  const VERSIONS: readonly (readonly [number, number])[] = [[1, 12], [18, 3], [3, 12], [2, 7], [1, 12]];

  async function answers(socket: FrameSocket): Promise<{ ids: number[]; longPoll: FetchResponse; listOffsets: ListOffsetsResponse }> {
    const ids: number[] = [];
    const bodies: unknown[] = [];
    for (const [apiKey, version] of VERSIONS) {
      const frame = await socket.next();
      assert.ok(frame !== null, 'the connection stayed open');
      // Decode as the API at this position: out of order, the correlation id says so first.
      const { correlationId, body } = decodeResponse<unknown>(apiKey, version, frame);
      ids.push(correlationId);
      bodies.push(body);
    }
    assert.ok(((bodies[2] as MetadataResponse).topics.length) > 0);
    return { ids, longPoll: bodies[0] as FetchResponse, listOffsets: bodies[3] as ListOffsetsResponse };
  }

  test('are answered in order when the first is a long-poll Fetch that runs out its wait', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const broker = await withBroker(t);
    await createTopic(t, broker, 'quiet');
    const socket = await connect(t, broker.port);
    socket.write(pipeline('quiet', 500));
    const { ids, longPoll } = await answers(socket);
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    assert.equal(longPoll.responses[0]!.partitions[0]!.records?.length ?? 0, 0, 'the long poll ended empty');
  });

  test('are answered in order when the first is a long-poll Fetch woken by a produce, and other connections are not held up', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const broker = await withBroker(t);
    const kafka = await createTopic(t, broker, 'wakes');
    const socket = await connect(t, broker.port);
    socket.write(pipeline('wakes', 60_000));
    await eventually(async () => broker.services.replicaManager.fetchPurgatory.size === 1, 5000);
    assert.equal(broker.services.replicaManager.fetchPurgatory.size, 1, 'the Fetch is waiting');
    assert.equal(socket.pendingFrames, 0, 'nothing behind it was answered first');

    const other = await connect(t, broker.port);
    assert.equal((await apiVersions(other, 9)).errorCode, ErrorCode.NONE, 'another connection is served while the Fetch waits');

    const producer = kafka.producer();
    t.after(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic: 'wakes', messages: [{ value: 'wake' }] });
    const { ids, longPoll, listOffsets } = await answers(socket);
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    const records = decodeRecordBatches(longPoll.responses[0]!.partitions[0]!.records!).flatMap((b) => b.records);
    assert.equal(records[0]!.value!.toString(), 'wake');
    assert.equal(listOffsets.topics[0]!.partitions[0]!.offset, 1, 'the requests behind the Fetch ran after it');
  });
});
