/**
 * A live broker fed 100,000 hostile request frames over many raw connections: random bytes, valid
 * frames for every API and version it serves, and those frames truncated, mutated, with forged or
 * huge size prefixes, unknown API keys, unsupported versions and request headers cut short.
 *
 * Each case is sent on a connection, completed with zero bytes when it leaves a frame open (the
 * broker rightly waits for the rest), and followed by an ApiVersions v0 probe. The broker must
 * either answer the probe — having answered every request before it in order, or taken no answer
 * only for acks=0 Produce — or close the connection; closing is what a malformed frame earns.
 * Every answer must decode as the response to the request it names. Throughout, a known topic's
 * records must stay byte-identical on disk and over Fetch (auto-creation is off and the known
 * topic's name is longer than any generated name, so no fuzzed Produce can reach it), closes must be
 * logged with a reason and nothing logged at error level, and afterwards kafkajs must still work.
 *
 * Runs are seeded; set SAMSA_FUZZ_SEED to explore another seed. A failing case is reported with
 * its kind and bytes in hex.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  type ApiVersionsResponse, type CreatePartitionsResponse, type CreateTopicsRequestCreatableTopic, type CreateTopicsResponse,
  type FetchResponse, type ListOffsetsResponse, type MetadataResponse, defaultFetchRequest,
} from '../../src/protocol/generated/index.js';
import { FuzzLane, FuzzTally } from '../support/fuzz-lane.js';
import { RequestPool, SeededRandom } from '../support/hostile-frames.js';
import { RawClient } from '../support/raw-client.js';
import { specsPresent } from '../support/spec-arbitraries.js';

const SEED = Number(process.env['SAMSA_FUZZ_SEED'] ?? 20250607);
const CASES = 100_000;
const LANES = 8;
const TIME_BUDGET_MS = 60_000;
/** The setup and the whole fuzz run, with room to spare; the budget above is what normally ends it. */
const SUITE_TIMEOUT_MS = 110_000;
/** A round (case + probe) that neither answers nor closes within this long counts as a hang. */
const ROUND_TIMEOUT_MS = 5_000;
const SAMPLES_PER_VERSION = 16;
/** socket.request.max.bytes of the fuzzed broker: small, so a forged size is cheap to complete. */
const MAX_FRAME_BYTES = 256 * 1024;
/** Longer than any topic name the arbitraries generate (12 graphemes). */
const KNOWN_TOPIC = 'fuzz-known-records-topic';
const KNOWN_PARTITIONS = 2;
const API_VERSIONS_KEY = 18;
const CREATE_PARTITIONS_KEY = 37;

/** Counts the broker's log lines; keeps a few samples of what a test should never see. */
class LogTally {
  readonly byLevel = new Map<number, number>();
  readonly closeReasons = new Map<string, number>();
  closesLogged = 0;
  closesWithoutReason = 0;
  linesWithStack = 0;
  readonly errorSamples: string[] = [];

  write(line: string): void {
    const entry = JSON.parse(line) as { level: number; msg?: string; reason?: string; err?: { stack?: string } };
    this.byLevel.set(entry.level, (this.byLevel.get(entry.level) ?? 0) + 1);
    if (entry.err?.stack !== undefined) this.linesWithStack++;
    if (entry.level >= 50 && this.errorSamples.length < 5) this.errorSamples.push(line.slice(0, 2000));
    if (entry.msg !== 'closing connection') return;
    this.closesLogged++;
    if (typeof entry.reason !== 'string' || entry.reason.length === 0) {
      this.closesWithoutReason++;
      return;
    }
    // Group by the reason's wording: numbers and the decoder's detail after ':' vary per case.
    const kind = entry.reason.split(':')[0]!.replace(/-?\d+/g, 'N');
    this.closeReasons.set(kind, (this.closeReasons.get(kind) ?? 0) + 1);
  }

  atOrAbove(level: number): number {
    let n = 0;
    for (const [l, count] of this.byLevel) if (l >= level) n += count;
    return n;
  }
}

interface PartitionSnapshot {
  readonly segment: Buffer;
  readonly records: Buffer | null;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly earliest: number;
  readonly latest: number;
}

async function snapshot(broker: BrokerHandle, dataDir: string): Promise<PartitionSnapshot[]> {
  const client = await RawClient.connect('127.0.0.1', broker.port);
  try {
    const out: PartitionSnapshot[] = [];
    for (let p = 0; p < KNOWN_PARTITIONS; p++) {
      const fetched = await client.request<FetchResponse>(1, 12, {
        ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
        topics: [{ topic: KNOWN_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      });
      const data = fetched.responses[0]!.partitions[0]!;
      assert.equal(data.errorCode, ErrorCode.NONE);
      const offsetAt = async (timestamp: number): Promise<number> => (await client.request<ListOffsetsResponse>(2, 7, {
        replicaId: -1, isolationLevel: 0, timeoutMs: 1000,
        topics: [{ name: KNOWN_TOPIC, partitions: [{ partitionIndex: p, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
      })).topics[0]!.partitions[0]!.offset;
      out.push({
        segment: readFileSync(join(dataDir, `${KNOWN_TOPIC}-${p}`, '00000000000000000000.log')),
        records: data.records === null ? null : Buffer.from(data.records),
        highWatermark: data.highWatermark,
        logStartOffset: data.logStartOffset,
        earliest: await offsetAt(-2),
        latest: await offsetAt(-1),
      });
    }
    return out;
  } finally {
    client.close();
  }
}

function kafkajs(broker: BrokerHandle): Kafka {
  return new Kafka({ clientId: 'samsa-fuzz', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

describe('a live broker fed 100,000 hostile frames', { skip: specsPresent ? false : 'the specs directory ../shared/kafka-protocol is absent' }, () => {
  let dataDir = '';
  const logs = new LogTally();
  const tally = new FuzzTally();
  let broker: BrokerHandle | null = null;
  let before_: PartitionSnapshot[] = [];
  let elapsedMs = 0;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'samsa-fuzz-'));
    broker = await startBroker({
      port: 0, dataDir, logger: pino({ level: 'info' }, logs),
      config: { 'auto.create.topics.enable': 'false', 'socket.request.max.bytes': String(MAX_FRAME_BYTES) },
    });
    const kafka = kafkajs(broker);
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: KNOWN_TOPIC, numPartitions: KNOWN_PARTITIONS }] });
      await producer.connect();
      const rng = new SeededRandom(SEED);
      for (let batch = 0; batch < 3; batch++) {
        await producer.send({
          topic: KNOWN_TOPIC,
          messages: Array.from({ length: 20 }, (_, i) => ({
            partition: i % KNOWN_PARTITIONS, key: `k${batch}-${i}`, value: rng.bytes(rng.between(0, 200)), headers: { n: String(i) },
          })),
        });
      }
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
    before_ = await snapshot(broker, dataDir);
    assert.ok(before_.every((p) => p.latest === 30 && p.records !== null));

    const served = broker.services.apiVersions();
    const pool = await RequestPool.build(served, SEED, SAMPLES_PER_VERSION);
    const servedByKey = new Map(served.map((s) => [s.apiKey, s]));
    const started = Date.now();
    const shouldContinue = (): boolean => tally.cases < CASES && Date.now() - started < TIME_BUDGET_MS;
    const lanes = Array.from({ length: LANES }, (_, i) => new FuzzLane({
      port: broker!.port, pool, rng: new SeededRandom(SEED * 31 + i), maxFrameBytes: MAX_FRAME_BYTES, served: servedByKey, roundTimeoutMs: ROUND_TIMEOUT_MS, tally,
    }));
    const watchdog = setInterval(() => {
      const now = Date.now();
      for (const lane of lanes) lane.abandonIfStalled(now);
    }, 250);
    watchdog.unref();
    // Settled, not all: a failing lane must not leave the others sending after the broker closes.
    const settled = await Promise.allSettled(lanes.map((lane) => lane.run(shouldContinue)));
    clearInterval(watchdog);
    elapsedMs = Date.now() - started;
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
  }, { timeout: SUITE_TIMEOUT_MS });

  after(async () => {
    await broker?.close();
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  test(`every one of ${CASES} cases is answered in order or its connection closed, within the time budget`, (t) => {
    const kinds = [...tally.byKind].map(([k, v]) => `${k} ${v.answered}/${v.closed}/${v.silent}`).join(', ');
    t.diagnostic(`seed ${SEED}: ${tally.cases} cases, ${tally.frames} frames, ${tally.responses} responses, ` +
      `${tally.connections} connections (${tally.closedByBroker} closed by the broker) in ${elapsedMs} ms`);
    t.diagnostic(`per kind answered/closed/silent: ${kinds}`);
    assert.deepEqual(tally.failures, []);
    assert.equal(tally.cases, CASES, `only ${tally.cases} cases ran within ${TIME_BUDGET_MS} ms`);
    for (const [kind, v] of tally.byKind) assert.ok(v.answered + v.closed + v.silent > 0, `no ${kind} case ran`);
  });

  test('the listener still accepts connections and answers', async () => {
    const client = await RawClient.connect('127.0.0.1', broker!.port);
    try {
      const res = await client.request<ApiVersionsResponse>(API_VERSIONS_KEY, 3, { clientSoftwareName: 'after-fuzz', clientSoftwareVersion: '1' });
      assert.equal(res.errorCode, ErrorCode.NONE);
    } finally {
      client.close();
    }
  });

  test('the known topic\'s records are byte-identical on disk and over Fetch, offsets unchanged', async () => {
    const after_ = await snapshot(broker!, dataDir);
    for (let p = 0; p < KNOWN_PARTITIONS; p++) {
      assert.ok(after_[p]!.segment.equals(before_[p]!.segment), `partition ${p}'s segment file changed`);
      assert.ok(after_[p]!.records!.equals(before_[p]!.records!), `partition ${p}'s fetched records changed`);
      assert.deepEqual(
        [after_[p]!.highWatermark, after_[p]!.logStartOffset, after_[p]!.earliest, after_[p]!.latest],
        [before_[p]!.highWatermark, before_[p]!.logStartOffset, before_[p]!.earliest, before_[p]!.latest],
      );
    }
  });

  test('every close is logged with a reason, and bad input logs nothing at error level', (t) => {
    const reasons = [...logs.closeReasons].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([r, n]) => `${n}× ${r}`);
    t.diagnostic(`${logs.closesLogged} closes logged; most common reasons: ${reasons.join(' | ')}`);
    assert.equal(logs.closesWithoutReason, 0);
    assert.ok(logs.closesLogged >= tally.closedByBroker, `${tally.closedByBroker} closes seen, ${logs.closesLogged} logged`);
    assert.deepEqual(logs.errorSamples, [], 'nothing logged at error level');
    assert.equal(logs.atOrAbove(50), 0);
    assert.equal(logs.linesWithStack, 0, 'no stack traces logged');
  });

  test('inputs that once failed stay fixed: partition counts from the wire are capped before anything is built', async () => {
    // CreateTopics with numPartitions 2^31-1 (even validateOnly) built a record per partition and
    // aborted the process out of heap; CreatePartitions did the same with its count.
    const client = await RawClient.connect('127.0.0.1', broker!.port);
    try {
      const topic = (name: string, numPartitions: number): CreateTopicsRequestCreatableTopic => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] });
      const created = await client.request<CreateTopicsResponse>(19, 7, {
        topics: [topic('huge-count-topic', 0x7fffffff), topic('over-limit-topic', 10_001), topic('grow-me-topic', 1)], timeoutMs: 1000, validateOnly: false,
      });
      assert.deepEqual(created.topics.map((x) => x.errorCode), [ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION, ErrorCode.NONE]);
      if (!broker!.services.apiVersions().some((v) => v.apiKey === CREATE_PARTITIONS_KEY)) return;
      const grow = async (count: number): Promise<number> => (await client.request<CreatePartitionsResponse>(CREATE_PARTITIONS_KEY, 3, {
        topics: [{ name: 'grow-me-topic', count, assignments: null }], timeoutMs: 1000, validateOnly: false,
      })).results[0]!.errorCode;
      assert.equal(await grow(0x7fffffff), ErrorCode.POLICY_VIOLATION);
      assert.equal(await grow(3), ErrorCode.NONE);
    } finally {
      client.close();
    }
  });

  test('inputs that once failed stay fixed: Metadata below v12 naming a topic "" or null gets an error code', async () => {
    // The empty name was taken for a lookup by id, answered with a null name that v0-11 responses
    // cannot carry: encoding failed, the connection closed and a stack trace was logged.
    const client = await RawClient.connect('127.0.0.1', broker!.port);
    try {
      const ask = async (version: number, name: string | null): Promise<MetadataResponse['topics'][number]> => (await client.request<MetadataResponse>(3, version, {
        topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
      })).topics[0]!;
      for (const version of [1, 2, 9, 11]) assert.equal((await ask(version, '')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `v${version}`);
      assert.equal((await ask(10, null)).errorCode, ErrorCode.INVALID_REQUEST);
      assert.equal((await ask(12, null)).errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    } finally {
      client.close();
    }
  });

  test('kafkajs still creates topics, produces and reads offsets afterwards', async () => {
    const kafka = kafkajs(broker!);
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      await admin.connect();
      await producer.connect();
      assert.ok((await admin.listTopics()).includes(KNOWN_TOPIC));
      assert.equal(await admin.createTopics({ topics: [{ topic: 'after-fuzz-topic', numPartitions: 1 }] }), true);
      const sent = await producer.send({ topic: 'after-fuzz-topic', messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });
      assert.equal(sent[0]!.baseOffset, '0');
      const appended = await producer.send({ topic: KNOWN_TOPIC, messages: [{ partition: 0, value: 'after' }] });
      assert.equal(appended[0]!.baseOffset, String(before_[0]!.latest), 'the known topic continues at its old log end offset');
      const offsets = await admin.fetchTopicOffsets('after-fuzz-topic');
      assert.equal(offsets[0]!.high, '5');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
