import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  type AlterConfigsResponse, type ApiVersionsResponse, type CreatePartitionsResponse, type DeleteRecordsResponse,
  type DeleteTopicsResponse, type DescribeClusterResponse, type DescribeConfigsResponse, type DescribeLogDirsResponse,
  type DescribeTopicPartitionsResponse, type IncrementalAlterConfigsResponse, type OffsetForLeaderEpochResponse,
} from '../../src/protocol/generated/index.js';
import { RawClient } from '../support/raw-client.js';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;
const TOPIC_CONFIG = 1;

type TestContext = { after(fn: () => Promise<void> | void): void };

/**
 * Per-test resources, released in reverse order of acquisition (clients, then brokers, then
 * data directories), so a data directory outlives the brokers restarted on it.
 */
class Harness {
  private readonly releases: (() => Promise<void> | void)[] = [];

  constructor(t: TestContext) {
    t.after(async () => {
      for (const release of this.releases.reverse()) await release();
    });
  }

  dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-admin-'));
    this.releases.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async start(dataDir: string, config: Record<string, string> = {}): Promise<BrokerHandle> {
    const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }) });
    this.releases.push(() => broker.close());
    return broker;
  }

  async admin(broker: BrokerHandle): Promise<{ kafka: Kafka; admin: Admin }> {
    const kafka = new Kafka({ clientId: 'samsa-admin-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
    const a = kafka.admin();
    await a.connect();
    this.releases.push(() => a.disconnect());
    return { kafka, admin: a };
  }

  async raw(broker: BrokerHandle): Promise<RawClient> {
    const client = await RawClient.connect('127.0.0.1', broker.port);
    this.releases.push(() => client.close());
    return client;
  }

  async produce(kafka: Kafka, topic: string, partition: number, count: number): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    this.releases.push(() => producer.disconnect());
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `v${i}`, partition })) });
  }
}

/** A harness with a fresh data directory and a broker started on it. */
async function brokerFor(t: TestContext, config: Record<string, string> = {}): Promise<{ h: Harness; broker: BrokerHandle; dataDir: string }> {
  const h = new Harness(t);
  const dataDir = h.dataDir();
  return { h, broker: await h.start(dataDir, config), dataDir };
}

function topicConfigOf(res: DescribeConfigsResponse, name: string): DescribeConfigsResponse['results'][number]['configs'][number] {
  const config = res.results[0]!.configs.find((c) => c.name === name);
  assert.ok(config, `${name} is described`);
  return config;
}

describe('admin APIs of a broker started in-process', () => {
  test('ApiVersions advertises the admin APIs in the versions Kafka 4.0 serves', async (t) => {
    const { h, broker } = await brokerFor(t);
    const client = await h.raw(broker);
    const res = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const ranges = new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    const expected: [number, number, number][] = [
      [20, 1, 6], [21, 0, 2], [23, 2, 4], [32, 1, 4], [33, 0, 2], [35, 1, 4], [37, 0, 3], [44, 0, 1], [60, 0, 1], [75, 0, 0],
    ];
    for (const [key, min, max] of expected) assert.deepEqual(ranges.get(key), [min, max], `API ${key}`);
  });

  test('kafkajs deletes a topic: its metadata and its log directory are gone', async (t) => {
    const { h, broker, dataDir } = await brokerFor(t);
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }, { topic: 'kept' }] });
    assert.ok(existsSync(join(dataDir, 'doomed-1')));
    await a.deleteTopics({ topics: ['doomed'] });
    assert.deepEqual((await a.listTopics()).sort(), ['kept']);
    assert.equal(existsSync(join(dataDir, 'doomed-0')), false);
    assert.equal(existsSync(join(dataDir, 'doomed-1')), false);

    const client = await h.raw(broker);
    const again = await client.request<DeleteTopicsResponse>(20, 5, { topicNames: ['doomed', 'kept', 'kept'], topics: [], timeoutMs: 1000 });
    assert.deepEqual(again.responses.map((r) => [r.name, r.errorCode]), [
      ['doomed', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['kept', ErrorCode.INVALID_REQUEST], ['kept', ErrorCode.INVALID_REQUEST],
    ]);
    assert.ok(again.responses[0]!.errorMessage);
  });

  test('DeleteTopics v6 deletes by topic id and answers UNKNOWN_TOPIC_ID for an unknown id', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'by-id' }, { topic: 'by-name' }] });
    const id = broker.services.metadataCache.topic('by-id')!.topicId;
    const byNameId = broker.services.metadataCache.topic('by-name')!.topicId;
    const client = await h.raw(broker);
    const res = await client.request<DeleteTopicsResponse>(20, 6, {
      topicNames: [], timeoutMs: 1000,
      topics: [
        { name: null, topicId: id },
        { name: 'by-name', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      ],
    });
    assert.deepEqual(res.responses.map((r) => [r.name, r.topicId, r.errorCode]), [
      ['by-id', id, ErrorCode.NONE],
      ['by-name', byNameId, ErrorCode.NONE],
      [null, 'AAAAAAAAAAAAAAAAAAAAAQ', ErrorCode.UNKNOWN_TOPIC_ID],
      [null, 'AAAAAAAAAAAAAAAAAAAAAA', ErrorCode.INVALID_REQUEST],
    ]);
    assert.deepEqual(await a.listTopics(), []);
  });

  test('with delete.topic.enable=false DeleteTopics answers TOPIC_DELETION_DISABLED, or INVALID_REQUEST before v3', async (t) => {
    const { h, broker } = await brokerFor(t, { 'delete.topic.enable': 'false' });
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'stays' }] });
    const client = await h.raw(broker);
    const v3 = await client.request<DeleteTopicsResponse>(20, 3, { topicNames: ['stays'], topics: [], timeoutMs: 1000 });
    assert.equal(v3.responses[0]!.errorCode, ErrorCode.TOPIC_DELETION_DISABLED);
    const v1 = await client.request<DeleteTopicsResponse>(20, 1, { topicNames: ['stays'], topics: [], timeoutMs: 1000 });
    assert.equal(v1.responses[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    assert.deepEqual(await a.listTopics(), ['stays']);
  });

  test('kafkajs adds partitions; validateOnly, a count that is no increase and bad assignments change nothing', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { kafka, admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'grows', numPartitions: 1 }] });
    await a.createPartitions({ topicPartitions: [{ topic: 'grows', count: 3 }] });
    const meta = await a.fetchTopicMetadata({ topics: ['grows'] });
    assert.equal(meta.topics[0]!.partitions.length, 3);
    await h.produce(kafka, 'grows', 2, 2);
    const offsets = await a.fetchTopicOffsets('grows');
    assert.equal(offsets.find((o) => o.partition === 2)!.high, '2');

    const client = await h.raw(broker);
    const res = await client.request<CreatePartitionsResponse>(37, 3, {
      timeoutMs: 1000, validateOnly: false,
      topics: [
        { name: 'grows', count: 3, assignments: null },
        { name: 'missing', count: 2, assignments: null },
      ],
    });
    assert.deepEqual(res.results.map((r) => [r.name, r.errorCode]), [['grows', ErrorCode.INVALID_PARTITIONS], ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const assigned = await client.request<CreatePartitionsResponse>(37, 1, {
      timeoutMs: 1000, validateOnly: false,
      topics: [{ name: 'grows', count: 5, assignments: [{ brokerIds: [0] }, { brokerIds: [7] }] }],
    });
    assert.equal(assigned.results[0]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const tooFew = await client.request<CreatePartitionsResponse>(37, 2, {
      timeoutMs: 1000, validateOnly: false,
      topics: [{ name: 'grows', count: 5, assignments: [{ brokerIds: [0] }] }],
    });
    assert.equal(tooFew.results[0]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const dryRun = await client.request<CreatePartitionsResponse>(37, 3, {
      timeoutMs: 1000, validateOnly: true, topics: [{ name: 'grows', count: 6, assignments: null }],
    });
    assert.equal(dryRun.results[0]!.errorCode, ErrorCode.NONE);
    assert.equal(broker.services.metadataCache.topic('grows')!.partitions.length, 3);
    const explicit = await client.request<CreatePartitionsResponse>(37, 0, {
      timeoutMs: 1000, validateOnly: false, topics: [{ name: 'grows', count: 4, assignments: [{ brokerIds: [0] }] }],
    });
    assert.equal(explicit.results[0]!.errorCode, ErrorCode.NONE);
    assert.equal(broker.services.metadataCache.topic('grows')!.partitions.length, 4);
    assert.ok(broker.services.replicaManager.getPartition('grows', 3));
  });

  test('kafkajs deletes records: the log start offset moves, -1 means the high watermark, above it is OFFSET_OUT_OF_RANGE', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { kafka, admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1 }, { topic: 'compacted', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await h.produce(kafka, 'trimmed', 0, 10);
    // kafkajs looks the leader up in its cached metadata, which holds only topics it was asked about.
    await a.fetchTopicMetadata({ topics: ['trimmed'] });
    await a.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }] });
    assert.deepEqual((await a.fetchTopicOffsets('trimmed')).map((o) => [o.low, o.high]), [['4', '10']]);

    const client = await h.raw(broker);
    const res = await client.request<DeleteRecordsResponse>(21, 2, {
      timeoutMs: 1000,
      topics: [
        { name: 'trimmed', partitions: [{ partitionIndex: 0, offset: 11 }, { partitionIndex: 5, offset: 1 }] },
        { name: 'compacted', partitions: [{ partitionIndex: 0, offset: 0 }] },
        { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0 }] },
      ],
    });
    assert.deepEqual(res.topics.map((tp) => tp.partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark])), [
      [[0, ErrorCode.OFFSET_OUT_OF_RANGE, -1], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]],
      [[0, ErrorCode.POLICY_VIOLATION, -1]],
      [[0, ErrorCode.INVALID_TOPIC_EXCEPTION, -1]],
    ]);
    const lower = await client.request<DeleteRecordsResponse>(21, 0, { timeoutMs: 1000, topics: [{ name: 'trimmed', partitions: [{ partitionIndex: 0, offset: 2 }] }] });
    assert.deepEqual([lower.topics[0]!.partitions[0]!.errorCode, lower.topics[0]!.partitions[0]!.lowWatermark], [ErrorCode.NONE, 4]);
    const toHighWatermark = await client.request<DeleteRecordsResponse>(21, 1, { timeoutMs: 1000, topics: [{ name: 'trimmed', partitions: [{ partitionIndex: 0, offset: -1 }] }] });
    assert.deepEqual([toHighWatermark.topics[0]!.partitions[0]!.errorCode, toHighWatermark.topics[0]!.partitions[0]!.lowWatermark], [ErrorCode.NONE, 10]);
    assert.deepEqual((await a.fetchTopicOffsets('trimmed')).map((o) => [o.low, o.high]), [['10', '10']]);
  });

  test('kafkajs describes topic configs with their sources and synonyms, and the broker\'s static settings', async (t) => {
    const { h, broker } = await brokerFor(t, { 'num.partitions': '2', 'log.retention.hours': '1' });
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'described', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] });
    const described = await a.describeConfigs({ includeSynonyms: true, resources: [{ type: TOPIC, name: 'described' }] });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.equal(entries.get('segment.bytes')!.configValue, '1048576');
    assert.equal(entries.get('segment.bytes')!.configSource, TOPIC_CONFIG);
    assert.deepEqual(entries.get('segment.bytes')!.configSynonyms.map((s) => [s.configName, s.configSource]),
      [['segment.bytes', TOPIC_CONFIG], ['log.segment.bytes', DEFAULT_CONFIG]]);
    assert.equal(entries.get('retention.ms')!.configValue, '3600000');
    assert.equal(entries.get('retention.ms')!.configSource, STATIC_BROKER_CONFIG);
    assert.deepEqual(entries.get('retention.ms')!.configSynonyms[0], { configName: 'log.retention.hours', configValue: '1', configSource: STATIC_BROKER_CONFIG });
    assert.equal(entries.get('cleanup.policy')!.configSource, DEFAULT_CONFIG);
    assert.equal(entries.get('cleanup.policy')!.isDefault, true);

    const brokerConfigs = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER, name: String(broker.nodeId), configNames: ['num.partitions', 'delete.topic.enable'] }] });
    assert.deepEqual(brokerConfigs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue, e.configSource, e.readOnly]), [
      ['num.partitions', '2', STATIC_BROKER_CONFIG, true],
      ['delete.topic.enable', 'true', DEFAULT_CONFIG, true],
    ]);

    const client = await h.raw(broker);
    const v4 = await client.request<DescribeConfigsResponse>(32, 4, {
      includeSynonyms: false, includeDocumentation: true,
      resources: [
        { resourceType: TOPIC, resourceName: 'described', configurationKeys: ['cleanup.policy'] },
        { resourceType: TOPIC, resourceName: 'nope', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: BROKER, resourceName: '7', configurationKeys: null },
        { resourceType: BROKER, resourceName: '', configurationKeys: null },
        { resourceType: 32, resourceName: 'group', configurationKeys: null },
      ],
    });
    const cleanup = topicConfigOf(v4, 'cleanup.policy');
    assert.equal(cleanup.configType, 7, 'LIST');
    assert.ok(cleanup.documentation && cleanup.documentation.length > 0);
    assert.deepEqual(cleanup.synonyms, []);
    assert.deepEqual(v4.results.map((r) => r.errorCode), [
      ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_REQUEST, ErrorCode.NONE, ErrorCode.INVALID_REQUEST,
    ]);
    assert.deepEqual(v4.results[4]!.configs, [], 'no dynamic cluster-wide broker defaults');
  });

  test('kafkajs alters topic configs: applied to the live log, replacing earlier overrides; bad values and broker settings are refused', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'tuned', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] });
    await a.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'tuned', configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'cleanup.policy', value: 'compact,delete' }] }] });
    const log = broker.services.logManager.getLog('tuned', 0)!;
    assert.equal(log.config.retentionMs, 60000);
    assert.equal(log.config.segmentBytes, 1073741824, 'AlterConfigs replaces the whole set of overrides');
    const described = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'tuned', configNames: ['retention.ms', 'segment.bytes', 'cleanup.policy'] }] });
    assert.deepEqual(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue, e.configSource]), [
      ['segment.bytes', '1073741824', DEFAULT_CONFIG], ['retention.ms', '60000', TOPIC_CONFIG], ['cleanup.policy', 'compact,delete', TOPIC_CONFIG],
    ]);

    const client = await h.raw(broker);
    const refused = await client.request<AlterConfigsResponse>(33, 2, {
      validateOnly: false,
      resources: [
        { resourceType: TOPIC, resourceName: 'tuned', configs: [{ name: 'retention.ms', value: 'soon' }] },
        { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', value: '1' }] },
        { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'no.such.config', value: '1' }] },
        { resourceType: BROKER, resourceName: String(broker.nodeId), configs: [{ name: 'num.partitions', value: '3' }] },
        { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', value: null }] },
      ],
    });
    assert.deepEqual(refused.responses.map((r) => [r.resourceName, r.errorCode]), [
      ['tuned', ErrorCode.INVALID_CONFIG], ['missing', ErrorCode.INVALID_REQUEST], ['missing', ErrorCode.INVALID_REQUEST],
      [String(broker.nodeId), ErrorCode.INVALID_REQUEST], ['', ErrorCode.INVALID_REQUEST],
    ]);
    const checks = await client.request<AlterConfigsResponse>(33, 0, {
      validateOnly: true,
      resources: [
        { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', value: '1' }] },
        { resourceType: TOPIC, resourceName: 'tuned', configs: [{ name: 'no.such.config', value: '1' }] },
        { resourceType: TOPIC, resourceName: 'tuned', configs: [{ name: 'retention.ms', value: '5' }] },
      ],
    });
    assert.deepEqual(checks.responses.map((r) => r.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const dryRun = await client.request<AlterConfigsResponse>(33, 1, {
      validateOnly: true,
      resources: [
        { resourceType: TOPIC, resourceName: 'tuned', configs: [{ name: 'no.such.config', value: '1' }] },
        { resourceType: 2, resourceName: 'other', configs: [] },
      ],
    });
    assert.equal(dryRun.responses[0]!.errorCode, ErrorCode.INVALID_CONFIG);
    const validOnly = await client.request<AlterConfigsResponse>(33, 1, {
      validateOnly: true, resources: [{ resourceType: TOPIC, resourceName: 'tuned', configs: [{ name: 'retention.ms', value: '5' }] }],
    });
    assert.equal(validOnly.responses[0]!.errorCode, ErrorCode.NONE);
    assert.equal(log.config.retentionMs, 60000, 'validateOnly changes nothing');
  });

  test('IncrementalAlterConfigs sets, deletes, appends to and subtracts from topic configs', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'stepwise', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const client = await h.raw(broker);
    const alter = (version: number, configs: { name: string; configOperation: number; value: string | null }[], resourceType = TOPIC, resourceName = 'stepwise') =>
      client.request<IncrementalAlterConfigsResponse>(44, version, { validateOnly: false, resources: [{ resourceType, resourceName, configs }] });
    const log = broker.services.logManager.getLog('stepwise', 0)!;

    const first = await alter(1, [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }, { name: 'segment.ms', configOperation: SET, value: '3600000' }]);
    assert.equal(first.responses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(broker.services.controller.topic('stepwise')!.configs, { 'retention.ms': '1000', 'cleanup.policy': 'delete,compact', 'segment.ms': '3600000' });
    assert.equal(log.config.cleanupPolicy, 3);
    const second = await alter(0, [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }, { name: 'retention.ms', configOperation: DELETE, value: null }]);
    assert.equal(second.responses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(broker.services.controller.topic('stepwise')!.configs, { 'cleanup.policy': 'compact', 'segment.ms': '3600000' });
    assert.equal(log.config.retentionMs, 604800000);

    const errors = await Promise.all([
      alter(1, [{ name: 'retention.ms', configOperation: APPEND, value: '5' }]),
      alter(1, [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'compact' }]),
      alter(1, [{ name: 'retention.ms', configOperation: SET, value: null }]),
      alter(1, [{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'retention.ms', configOperation: DELETE, value: null }]),
      alter(1, [{ name: 'retention.ms', configOperation: 9, value: '1' }]),
      alter(1, [{ name: 'num.partitions', configOperation: SET, value: '4' }], BROKER, String(broker.nodeId)),
      alter(1, [{ name: 'num.partitions', configOperation: DELETE, value: null }], BROKER, ''),
      alter(1, [{ name: 'retention.ms', configOperation: SET, value: '1' }], TOPIC, 'absent'),
    ]);
    assert.deepEqual(errors.map((r) => r.responses[0]!.errorCode), [
      ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    assert.deepEqual(broker.services.controller.topic('stepwise')!.configs, { 'cleanup.policy': 'compact', 'segment.ms': '3600000' });
    const twice = await client.request<IncrementalAlterConfigsResponse>(44, 1, {
      validateOnly: false,
      resources: [
        { resourceType: TOPIC, resourceName: 'stepwise', configs: [] },
        { resourceType: TOPIC, resourceName: 'stepwise', configs: [] },
      ],
    });
    assert.deepEqual(twice.responses.map((r) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });

  test('DescribeCluster answers the brokers, cluster id and controller, and refuses the controllers endpoint type', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { admin: a } = await h.admin(broker);
    const cluster = await a.describeCluster();
    assert.equal(cluster.clusterId, broker.clusterId);
    assert.deepEqual(cluster.brokers.map((b) => [b.nodeId, b.port]), [[broker.nodeId, broker.port]]);

    const client = await h.raw(broker);
    for (const version of [0, 1]) {
      const res = await client.request<DescribeClusterResponse>(60, version, { includeClusterAuthorizedOperations: version === 1, endpointType: 1 });
      assert.equal(res.errorCode, ErrorCode.NONE);
      assert.equal(res.clusterId, broker.clusterId);
      assert.equal(res.controllerId, broker.nodeId);
      assert.deepEqual(res.brokers.map((b) => [b.brokerId, b.host, b.port]), [[broker.nodeId, '127.0.0.1', broker.port]]);
      if (version === 1) {
        assert.equal(res.endpointType, 1);
        assert.ok(res.clusterAuthorizedOperations > 0);
      } else {
        assert.equal(res.clusterAuthorizedOperations, -2147483648);
      }
    }
    const controllers = await client.request<DescribeClusterResponse>(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    assert.equal(controllers.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    const unknown = await client.request<DescribeClusterResponse>(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 9 });
    assert.equal(unknown.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });

  test('DescribeLogDirs lists each partition with its size, and the file system\'s bytes from v4', async (t) => {
    const { h, broker, dataDir } = await brokerFor(t);
    const { kafka, admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'sized', numPartitions: 2 }, { topic: 'other' }] });
    await h.produce(kafka, 'sized', 1, 5);
    const client = await h.raw(broker);
    const all = await client.request<DescribeLogDirsResponse>(35, 4, { topics: null });
    assert.equal(all.errorCode, ErrorCode.NONE);
    assert.equal(all.results.length, 1);
    const dir = all.results[0]!;
    assert.equal(realpathSync(dir.logDir), realpathSync(dataDir));
    assert.ok(dir.totalBytes > 0 && dir.usableBytes > 0 && dir.usableBytes <= dir.totalBytes);
    const sized = dir.topics.find((tp) => tp.name === 'sized')!;
    assert.deepEqual(sized.partitions.map((p) => [p.partitionIndex, p.partitionSize > 0, p.offsetLag, p.isFutureKey]), [[0, false, 0, false], [1, true, 0, false]]);
    assert.ok(dir.topics.some((tp) => tp.name === 'other'));

    const some = await client.request<DescribeLogDirsResponse>(35, 1, { topics: [{ topic: 'sized', partitions: [1] }, { topic: 'nope', partitions: [0] }] });
    assert.deepEqual(some.results[0]!.topics.map((tp) => [tp.name, tp.partitions.map((p) => p.partitionIndex)]), [['sized', [1]]]);
    assert.equal(some.results[0]!.totalBytes, -1, 'v1 has no byte counts');
  });

  test('DescribeTopicPartitions pages through topics with a cursor and a partition limit', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'a', numPartitions: 3 }, { topic: 'b', numPartitions: 2 }, { topic: 'c', numPartitions: 1 }] });
    const client = await h.raw(broker);
    const page = (cursor: { topicName: string; partitionIndex: number } | null, topics: string[] = []) =>
      client.request<DescribeTopicPartitionsResponse>(75, 0, { topics: topics.map((name) => ({ name })), responsePartitionLimit: 2, cursor });
    const shape = (res: DescribeTopicPartitionsResponse) => res.topics.map((tp) => [tp.name, tp.errorCode, tp.partitions.map((p) => p.partitionIndex)]);

    const first = await page(null);
    assert.deepEqual(shape(first), [['a', 0, [0, 1]]]);
    assert.deepEqual(first.nextCursor, { topicName: 'a', partitionIndex: 2 });
    assert.equal(first.topics[0]!.topicId, broker.services.metadataCache.topic('a')!.topicId);
    const second = await page(first.nextCursor);
    assert.deepEqual(shape(second), [['a', 0, [2]], ['b', 0, [0]]]);
    assert.deepEqual(second.nextCursor, { topicName: 'b', partitionIndex: 1 });
    const third = await page(second.nextCursor);
    assert.deepEqual(shape(third), [['b', 0, [1]], ['c', 0, [0]]]);
    assert.equal(third.nextCursor, null);

    const named = await page(null, ['c', 'zz', 'b']);
    assert.deepEqual(shape(named), [['b', 0, [0, 1]]]);
    assert.deepEqual(named.nextCursor, { topicName: 'c', partitionIndex: 0 }, 'a full page points at the next topic');
    const rest = await page(named.nextCursor, ['c', 'zz', 'b']);
    assert.deepEqual(shape(rest), [['c', 0, [0]], ['zz', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []]]);
    assert.equal(rest.nextCursor, null);
    const badCursor = await page({ topicName: 'a', partitionIndex: 0 }, ['b']);
    assert.deepEqual(shape(badCursor), [['b', ErrorCode.INVALID_REQUEST, []]]);
  });

  test('OffsetForLeaderEpoch answers the current epoch\'s end offset and -1 for an unknown epoch, fencing by current epoch', async (t) => {
    const { h, broker } = await brokerFor(t);
    const { kafka, admin: a } = await h.admin(broker);
    await a.createTopics({ topics: [{ topic: 'epochs', numPartitions: 2 }] });
    await h.produce(kafka, 'epochs', 0, 5);
    const client = await h.raw(broker);
    const ask = (version: number, partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], topic = 'epochs') =>
      client.request<OffsetForLeaderEpochResponse>(23, version, { replicaId: -1, topics: [{ topic, partitions }] });
    const res = await ask(4, [
      { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 },
      { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
      { partition: 1, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 9, currentLeaderEpoch: 0, leaderEpoch: 0 },
    ]);
    assert.deepEqual(res.topics[0]!.partitions.map((p) => [p.partition, p.errorCode, p.leaderEpoch, p.endOffset]), [
      [0, ErrorCode.NONE, 0, 5],
      [0, ErrorCode.NONE, -1, -1],
      [0, ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1],
      [1, ErrorCode.NONE, -1, -1],
      [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1],
    ]);
    const v2 = await ask(2, [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }]);
    assert.deepEqual([v2.topics[0]!.partitions[0]!.leaderEpoch, v2.topics[0]!.partitions[0]!.endOffset], [0, 5]);
    const unknownTopic = await ask(3, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'nope');
    assert.equal(unknownTopic.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('altered configs, added partitions, deleted topics and a moved log start offset survive a restart', async (t) => {
    const h = new Harness(t);
    const dataDir = h.dataDir();
    const first = await h.start(dataDir);
    {
      const { kafka, admin: a } = await h.admin(first);
      await a.createTopics({ topics: [{ topic: 'kept', numPartitions: 1 }, { topic: 'gone' }] });
      await h.produce(kafka, 'kept', 0, 8);
      await a.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'kept', configEntries: [{ name: 'retention.ms', value: '123456' }] }] });
      await a.createPartitions({ topicPartitions: [{ topic: 'kept', count: 3 }] });
      await a.deleteTopicRecords({ topic: 'kept', partitions: [{ partition: 0, offset: '6' }] });
      await a.deleteTopics({ topics: ['gone'] });
      await a.disconnect();
    }
    await first.close();

    const second = await h.start(dataDir);
    const { admin: a } = await h.admin(second);
    assert.deepEqual(await a.listTopics(), ['kept']);
    assert.equal(existsSync(join(dataDir, 'gone-0')), false);
    const offsets = await a.fetchTopicOffsets('kept');
    assert.deepEqual(offsets.sort((x, y) => x.partition - y.partition).map((o) => [o.partition, o.low, o.high]), [[0, '6', '8'], [1, '0', '0'], [2, '0', '0']]);
    const described = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'kept', configNames: ['retention.ms'] }] });
    assert.deepEqual(described.resources[0]!.configEntries.map((e) => [e.configValue, e.configSource]), [['123456', TOPIC_CONFIG]]);
    assert.equal(second.services.logManager.getLog('kept', 0)!.config.retentionMs, 123456);
  });
});
