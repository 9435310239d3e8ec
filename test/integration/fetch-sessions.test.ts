import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  type CreateTopicsResponse, type FetchRequest, type FetchResponse, type ProduceResponse,
  defaultCreateTopicsRequestCreatableTopic, defaultFetchRequest,
} from '../../src/protocol/generated/index.js';
import { ZERO_UUID } from '../../src/protocol/primitives/index.js';
import { encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import { RawClient } from '../support/raw-client.js';

const VERSION = 12;

async function setUp(t: { after(fn: () => Promise<void> | void): void }): Promise<{ broker: BrokerHandle; client: RawClient }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-sessions-'));
  const broker = await startBroker({ port: 0, dataDir, logger: pino({ level: 'silent' }) });
  const client = await RawClient.connect('127.0.0.1', broker.port);
  t.after(async () => {
    client.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const created = await client.request<CreateTopicsResponse>(19, 5, {
    topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: 'events', numPartitions: 2, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: false,
  });
  assert.equal(created.topics[0]!.errorCode, 0);
  return { broker, client };
}

function fetchRequest(sessionId: number, sessionEpoch: number, partitions: { partition: number; offset: number }[], forgotten: number[] = []): FetchRequest {
  return {
    ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, sessionId, sessionEpoch,
    topics: partitions.length === 0 ? [] : [{
      topic: 'events', topicId: ZERO_UUID,
      partitions: partitions.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID })),
    }],
    forgottenTopicsData: forgotten.length === 0 ? [] : [{ topic: 'events', topicId: ZERO_UUID, partitions: forgotten }],
  };
}

async function produce(client: RawClient, partition: number, value: string): Promise<void> {
  const res = await client.request<ProduceResponse>(0, 9, {
    transactionalId: null, acks: 1, timeoutMs: 1000,
    topicData: [{ name: 'events', partitionData: [{ index: partition, records: encodeRecordBatch({ records: [{ key: null, value: Buffer.from(value) }] }) }] }],
  });
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0);
}

function partitionsIn(res: FetchResponse): number[] {
  return res.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex));
}

test('an incremental fetch session answers only partitions with something new', async (t) => {
  const { client } = await setUp(t);
  const opened = await client.request<FetchResponse>(1, VERSION, fetchRequest(0, 0, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }]));
  assert.equal(opened.errorCode, ErrorCode.NONE);
  assert.ok(opened.sessionId > 0, 'a session was created');
  assert.deepEqual(partitionsIn(opened), [0, 1], 'the first answer is full');

  const quiet = await client.request<FetchResponse>(1, VERSION, fetchRequest(opened.sessionId, 1, []));
  assert.equal(quiet.sessionId, opened.sessionId);
  assert.deepEqual(partitionsIn(quiet), [], 'nothing changed, nothing sent');

  await produce(client, 1, 'news');
  const news = await client.request<FetchResponse>(1, VERSION, fetchRequest(opened.sessionId, 2, []));
  assert.deepEqual(partitionsIn(news), [1]);
  assert.equal(news.responses[0]!.partitions[0]!.highWatermark, 1);
  assert.ok((news.responses[0]!.partitions[0]!.records?.length ?? 0) > 0);

  const moved = await client.request<FetchResponse>(1, VERSION, fetchRequest(opened.sessionId, 3, [{ partition: 1, offset: 1 }]));
  assert.deepEqual(partitionsIn(moved), [], 'position moved to the end: nothing new to send');

  await produce(client, 0, 'zero');
  const forgotten = await client.request<FetchResponse>(1, VERSION, fetchRequest(opened.sessionId, 4, [], [0]));
  assert.deepEqual(partitionsIn(forgotten), [], 'a forgotten partition is no longer answered');
});

test('a wrong session epoch and an unknown session answer Kafka\'s errors', async (t) => {
  const { client } = await setUp(t);
  const opened = await client.request<FetchResponse>(1, VERSION, fetchRequest(0, 0, [{ partition: 0, offset: 0 }]));
  const wrongEpoch = await client.request<FetchResponse>(1, VERSION, fetchRequest(opened.sessionId, 5, []));
  assert.equal(wrongEpoch.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const unknown = await client.request<FetchResponse>(1, VERSION, fetchRequest(123456, 1, []));
  assert.equal(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  const sessionless = await client.request<FetchResponse>(1, VERSION, fetchRequest(0, -1, [{ partition: 0, offset: 0 }]));
  assert.equal(sessionless.sessionId, 0);
  assert.deepEqual(partitionsIn(sessionless), [0]);
});
