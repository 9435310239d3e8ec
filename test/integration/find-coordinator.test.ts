import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { OFFSETS_TOPIC } from '../../src/broker/group-coordinator-log.js';
import { partitionForGroup } from '../../src/coordinator/group/coordinator-log.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { ApiVersionsResponse, FindCoordinatorResponse, MetadataResponse } from '../../src/protocol/generated/index.js';
import { RawClient } from '../support/raw-client.js';

type TestContext = { after(fn: () => Promise<void> | void): void };

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const KEY_TYPE_SHARE = 2;
const NO_NODE = { nodeId: -1, host: '', port: -1 };

async function brokerWithClient(t: TestContext, config: Record<string, string> = {}): Promise<{ broker: BrokerHandle; client: RawClient }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-find-coordinator-'));
  const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env['SAMSA_TEST_LOG'] ?? 'silent' }) });
  const client = await RawClient.connect('127.0.0.1', broker.port);
  t.after(async () => {
    client.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { broker, client };
}

function findCoordinator(client: RawClient, version: number, keyType: number, keys: readonly string[]): Promise<FindCoordinatorResponse> {
  const body = version >= 4 ? { key: '', keyType, coordinatorKeys: keys } : { key: keys[0]!, keyType, coordinatorKeys: [] };
  return client.request<FindCoordinatorResponse>(10, version, body);
}

function selfNode(broker: BrokerHandle): { nodeId: number; host: string; port: number } {
  const [host, port] = broker.bootstrap.split(':');
  return { nodeId: broker.nodeId, host: host!, port: Number(port) };
}

describe('FindCoordinator', () => {
  test('versions 0-3 answer one group key with this broker, creating __consumer_offsets first', async (t) => {
    const { broker, client } = await brokerWithClient(t);
    for (const version of [0, 1, 2, 3]) {
      const res = await findCoordinator(client, version, KEY_TYPE_GROUP, [`group-${version}`]);
      assert.equal(res.errorCode, ErrorCode.NONE, `v${version}`);
      assert.deepEqual({ nodeId: res.nodeId, host: res.host, port: res.port }, selfNode(broker), `v${version}`);
      // Kafka fills the message (v1+) even on success, with the name of Errors.NONE.
      if (version >= 1) assert.equal(res.errorMessage, 'NONE', `v${version}`);
      assert.deepEqual(res.coordinators, []);
    }
    const topic = broker.services.controller.topic(OFFSETS_TOPIC)!;
    assert.equal(topic.partitions.length, 50);
    assert.equal(topic.configs['cleanup.policy'], 'compact');
  });

  test('versions 4-6 answer a batch of group keys, each with its own row (KIP-699)', async (t) => {
    const { broker, client } = await brokerWithClient(t);
    const keys = ['orders', 'payments', 'orders', ''];
    for (const version of [4, 5, 6]) {
      const res = await findCoordinator(client, version, KEY_TYPE_GROUP, keys);
      assert.deepEqual(res.coordinators.map((c) => c.key), keys, `v${version}`);
      for (const c of res.coordinators) {
        assert.equal(c.errorCode, ErrorCode.NONE, `v${version} ${c.key}`);
        assert.equal(c.errorMessage, null);
        assert.deepEqual({ nodeId: c.nodeId, host: c.host, port: c.port }, selfNode(broker));
      }
    }
    const empty = await findCoordinator(client, 4, KEY_TYPE_GROUP, []);
    assert.deepEqual(empty.coordinators, []);
  });

  test('the group is coordinated by the leader of its hashed partition', async (t) => {
    const { broker, client } = await brokerWithClient(t, { 'offsets.topic.num.partitions': '7' });
    await findCoordinator(client, 4, KEY_TYPE_GROUP, ['g']);
    assert.equal(broker.services.groupCoordinatorLog.partitionCount, 7);
    // Kafka's Utils.abs("g".hashCode()) % 7: "g".hashCode() is 103.
    assert.equal(partitionForGroup('g', 7), 103 % 7);
    assert.deepEqual(broker.services.groupCoordinatorLog.ledPartitions(), [0, 1, 2, 3, 4, 5, 6]);
  });

  test('transaction keys get COORDINATOR_NOT_AVAILABLE: there is no transaction coordinator yet', async (t) => {
    const { client } = await brokerWithClient(t);
    for (const version of [1, 2, 3]) {
      const res = await findCoordinator(client, version, KEY_TYPE_TRANSACTION, ['txn-1']);
      assert.equal(res.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE, `v${version}`);
      assert.deepEqual({ nodeId: res.nodeId, host: res.host, port: res.port }, NO_NODE);
      assert.ok(res.errorMessage !== null && res.errorMessage.length > 0);
    }
    for (const version of [4, 5, 6]) {
      const res = await findCoordinator(client, version, KEY_TYPE_TRANSACTION, ['txn-1', 'txn-2']);
      assert.deepEqual(res.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.host, c.port]), [
        ['txn-1', ErrorCode.COORDINATOR_NOT_AVAILABLE, -1, '', -1],
        ['txn-2', ErrorCode.COORDINATOR_NOT_AVAILABLE, -1, '', -1],
      ]);
    }
  });

  test('share keys are INVALID_REQUEST before v6 and COORDINATOR_NOT_AVAILABLE from it; unknown key types are INVALID_REQUEST', async (t) => {
    const { client } = await brokerWithClient(t);
    const v5 = await findCoordinator(client, 5, KEY_TYPE_SHARE, ['g:topic:0']);
    assert.equal(v5.coordinators[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    const v6 = await findCoordinator(client, 6, KEY_TYPE_SHARE, ['g:topic:0']);
    assert.equal(v6.coordinators[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const unknown = await findCoordinator(client, 6, 9, ['a', 'b']);
    assert.deepEqual(unknown.coordinators.map((c) => c.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const old = await findCoordinator(client, 2, 9, ['a']);
    assert.equal(old.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(old.nodeId, -1);
  });

  test('while __consumer_offsets cannot be created, groups get COORDINATOR_NOT_AVAILABLE', async (t) => {
    const { broker, client } = await brokerWithClient(t, { 'offsets.topic.replication.factor': '2' });
    const old = await findCoordinator(client, 3, KEY_TYPE_GROUP, ['g']);
    assert.equal(old.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.deepEqual({ nodeId: old.nodeId, host: old.host, port: old.port }, NO_NODE);
    const batched = await findCoordinator(client, 4, KEY_TYPE_GROUP, ['g', 'h']);
    assert.deepEqual(batched.coordinators.map((c) => c.errorCode), [ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    assert.equal(broker.services.controller.topic(OFFSETS_TOPIC), undefined);
  });

  test('ApiVersions advertises versions 0-6, and Metadata shows the created topic as internal', async (t) => {
    const { client } = await brokerWithClient(t);
    const versions = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const range = versions.apiKeys.find((k) => k.apiKey === 10);
    assert.deepEqual(range && [range.minVersion, range.maxVersion], [0, 6]);
    await findCoordinator(client, 4, KEY_TYPE_GROUP, ['g']);
    const metadata = await client.request<MetadataResponse>(3, 12, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: OFFSETS_TOPIC }], allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    });
    const topic = metadata.topics[0]!;
    assert.equal(topic.errorCode, ErrorCode.NONE);
    assert.equal(topic.isInternal, true);
    assert.equal(topic.partitions.length, 50);
  });

  test('Metadata naming __consumer_offsets creates it as the coordinator would', async (t) => {
    const { client } = await brokerWithClient(t, { 'num.partitions': '3' });
    const metadata = await client.request<MetadataResponse>(3, 12, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: OFFSETS_TOPIC }], allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    });
    assert.equal(metadata.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(metadata.topics[0]!.isInternal, true);
    assert.equal(metadata.topics[0]!.partitions.length, 50, 'offsets.topic.num.partitions, not num.partitions');
  });
});
