import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../../src/broker/broker.js';
import { GroupCoordinatorLog, OFFSETS_TOPIC } from '../../../src/broker/group-coordinator-log.js';
import { autoCreateTopics } from '../../../src/broker/topic-creation.js';
import type { CoordinatorRecord } from '../../../src/coordinator/group/coordinator-record.js';
import { encodeCoordinatorRecord } from '../../../src/coordinator/group/coordinator-record-codec.js';
import { COMPRESSION_GZIP, COMPRESSION_LZ4, COMPRESSION_SNAPPY, COMPRESSION_ZSTD, type CompressionCodec } from '../../../src/protocol/compression/index.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import { encodeEndTxnMarkerBatch, encodeRecordBatch } from '../../../src/protocol/record-batch/index.js';
import { APPEND_FROM_REPLICATION } from '../../../src/storage/partition-log.js';
import { CLEANUP_COMPACT, CLEANUP_DELETE } from '../../../src/storage/log-config.js';

type TestContext = { after(fn: () => Promise<void> | void): void };

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-group-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A broker on `dataDir`; closed when the test ends (closing twice is harmless). */
async function brokerOn(t: TestContext, dataDir: string, config: Record<string, string> = {}): Promise<BrokerHandle> {
  const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env['SAMSA_TEST_LOG'] ?? 'silent' }) });
  t.after(() => broker.close());
  return broker;
}

function commit(groupId: string, partition: number, offset: number, metadata = ''): CoordinatorRecord {
  return { type: 'offset-commit', groupId, topic: 'orders', partition, value: { offset, leaderEpoch: -1, metadata, commitTimestamp: 1000 + offset, expireTimestamp: -1 } };
}

async function readAll(log: GroupCoordinatorLog, partition: number): Promise<CoordinatorRecord[]> {
  const out: CoordinatorRecord[] = [];
  for await (const record of log.read(partition)) out.push(record);
  return out;
}

describe('GroupCoordinatorLog', () => {
  test('concurrent ensureTopic calls create one compacted 50-partition topic and announce it once', async (t) => {
    const broker = await brokerOn(t, tempDir(t));
    const { controller, replicaManager } = broker.services;
    const log = broker.services.groupCoordinatorLog;
    const announced: number[][] = [];
    log.onPartitionsLed = (partitions) => announced.push(partitions);
    log.announceLedPartitions();
    assert.deepEqual(announced, [], 'nothing to announce before the topic exists');
    assert.deepEqual(log.ledPartitions(), []);

    let creations = 0;
    const createTopics = controller.createTopics.bind(controller);
    controller.createTopics = (records) => {
      creations++;
      return createTopics(records);
    };
    await Promise.all(Array.from({ length: 8 }, () => log.ensureTopic()));
    await log.ensureTopic();

    assert.equal(creations, 1);
    const topic = controller.topic(OFFSETS_TOPIC)!;
    assert.equal(topic.partitions.length, 50);
    assert.equal(log.partitionCount, 50);
    assert.deepEqual(topic.configs, { 'cleanup.policy': 'compact', 'segment.bytes': '104857600' });
    const config = replicaManager.leaderPartition(OFFSETS_TOPIC, 0).log.config;
    assert.equal(config.cleanupPolicy, CLEANUP_COMPACT);
    assert.equal(config.segmentBytes, 104857600);
    assert.deepEqual(announced, [Array.from({ length: 50 }, (_, i) => i)]);
  });

  test('the partition count and replication factor follow the offsets.topic.* settings', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'offsets.topic.num.partitions': '3', 'offsets.topic.segment.bytes': '1048576' });
    await broker.services.groupCoordinatorLog.ensureTopic();
    const topic = broker.services.controller.topic(OFFSETS_TOPIC)!;
    assert.equal(topic.partitions.length, 3);
    assert.equal(topic.partitions[0]!.replicas.length, 1);
    assert.equal(topic.configs['segment.bytes'], '1048576');
  });

  test('a replication factor above the live brokers gives COORDINATOR_NOT_AVAILABLE and creates nothing', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'offsets.topic.replication.factor': '3' });
    const log = broker.services.groupCoordinatorLog;
    await assert.rejects(log.ensureTopic(), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(broker.services.controller.topic(OFFSETS_TOPIC), undefined);
    await assert.rejects(log.ensureTopic(), KafkaError, 'a later call tries again');
  });

  test('auto-creation through Metadata creates the topic as the coordinator does', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'num.partitions': '2' });
    const errors = await autoCreateTopics(broker.services, [OFFSETS_TOPIC, 'plain']);
    assert.equal(errors.size, 0);
    assert.equal(broker.services.controller.topic(OFFSETS_TOPIC)!.partitions.length, 50);
    assert.equal(broker.services.controller.topic(OFFSETS_TOPIC)!.configs['cleanup.policy'], 'compact');
    assert.equal(broker.services.controller.topic('plain')!.partitions.length, 2);
  });

  test('appended records read back in order, tombstones included, across many reads', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'offsets.topic.num.partitions': '4' });
    const log = broker.services.groupCoordinatorLog;
    await log.ensureTopic();
    const written: CoordinatorRecord[] = [];
    // 1.5 MB of commits: more than one 1 MiB read.
    for (let batch = 0; batch < 15; batch++) {
      const records = Array.from({ length: 100 }, (_, i) => commit('g', i % 7, batch * 100 + i, 'x'.repeat(1000)));
      await log.append(2, records);
      written.push(...records);
    }
    const group: CoordinatorRecord = {
      type: 'group-metadata', groupId: 'g',
      value: { protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'm', currentStateTimestamp: 5, members: [] },
    };
    const tombstones: CoordinatorRecord[] = [{ ...commit('g', 0, 0), value: null }, { type: 'group-metadata', groupId: 'g', value: null }];
    await log.append(2, [group]);
    await log.append(2, tombstones);
    await log.append(2, []);
    written.push(group, ...tombstones);

    assert.deepEqual(await readAll(log, 2), written);
    assert.deepEqual(await readAll(log, 1), [], 'another partition is empty');
    const partition = broker.services.replicaManager.leaderPartition(OFFSETS_TOPIC, 2);
    assert.equal(partition.log.highWatermark, written.length, 'each record at its own offset, all acknowledged');
  });

  test('append and read reject with the KafkaError of the partition', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'offsets.topic.num.partitions': '2', 'message.max.bytes': '2000' });
    const log = broker.services.groupCoordinatorLog;
    await assert.rejects(log.append(0, [commit('g', 0, 1)]), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await log.ensureTopic();
    await assert.rejects(log.append(5, [commit('g', 0, 1)]), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await assert.rejects(log.append(0, [commit('g', 0, 1, 'y'.repeat(5000))]), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.MESSAGE_TOO_LARGE);
    await assert.rejects(readAll(log, 9), KafkaError);
  });

  test('records survive a restart; the existing topic is announced at start-up and keeps its partition count', async (t) => {
    const dataDir = tempDir(t);
    const first = await brokerOn(t, dataDir, { 'offsets.topic.num.partitions': '5' });
    await first.services.groupCoordinatorLog.ensureTopic();
    const records = [commit('a', 0, 10), commit('b', 1, 20), { ...commit('a', 0, 10), value: null }];
    await first.services.groupCoordinatorLog.append(3, records);
    await first.close();

    const second = await brokerOn(t, dataDir);
    const log = second.services.groupCoordinatorLog;
    assert.equal(log.partitionCount, 5, 'the topic\'s own count, not the default 50');
    // The broker announced the existing topic's partitions at start-up; the coordinator loads them.
    const coordinator = second.services.groupCoordinator;
    for (let waited = 0; ![0, 1, 2, 3, 4].every((p) => coordinator.isLoaded(p)); waited += 10) {
      assert.ok(waited < 5000, 'the partitions announced at start-up are loaded');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The announcement happens once: a later hook is not called again for the same topic.
    const announced: number[][] = [];
    log.onPartitionsLed = (partitions) => announced.push(partitions);
    log.announceLedPartitions();
    await log.ensureTopic();
    assert.deepEqual(announced, []);
    assert.deepEqual(await readAll(log, 3), records);
  });

  test('deleting __consumer_offsets unloads the coordinator; the recreated topic is loaded again and starts empty', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'offsets.topic.num.partitions': '3' });
    const { controller, groupCoordinator, groupCoordinatorLog } = broker.services;
    await controller.createTopics([controller.planTopic({ name: 'orders', numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} })]);
    const commitOne = (offset: number): Promise<number> => groupCoordinator.commitOffsets({
      groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }],
    }, 8).then((r) => r.topics[0]!.partitions[0]!.errorCode);
    const committed = async (): Promise<number> => (await groupCoordinator.fetchOffsets({
      groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [0] }], groups: [], requireStable: false,
    }, 7)).topics[0]!.partitions[0]!.committedOffset;
    const loaded = async (): Promise<void> => {
      for (let waited = 0; ![0, 1, 2].every((p) => groupCoordinator.isLoaded(p)); waited += 10) {
        assert.ok(waited < 5000, 'the coordinator loads the topic\'s partitions');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    await groupCoordinatorLog.ensureTopic();
    await loaded();
    assert.equal(await commitOne(42), ErrorCode.NONE);
    assert.equal(await committed(), 42);

    await controller.deleteTopics([OFFSETS_TOPIC]);
    assert.ok([0, 1, 2].every((p) => !groupCoordinator.isLoaded(p)), 'unloaded with the topic');
    assert.equal(await commitOne(43), ErrorCode.NOT_COORDINATOR);

    await groupCoordinatorLog.ensureTopic();
    await loaded();
    assert.equal(await committed(), -1, 'the offsets went with the topic');
    assert.equal(await commitOne(44), ErrorCode.NONE);
    assert.equal(await committed(), 44);
  });

  test('compressed batches written by other tools are read; control batches and unknown record types are skipped', async (t) => {
    const broker = await brokerOn(t, tempDir(t), { 'offsets.topic.num.partitions': '1' });
    const { replicaManager } = broker.services;
    const log = broker.services.groupCoordinatorLog;
    await log.ensureTopic();
    const partition = replicaManager.leaderPartition(OFFSETS_TOPIC, 0);
    const expected: CoordinatorRecord[] = [];
    const codecs: CompressionCodec[] = [COMPRESSION_GZIP, COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD];
    for (const [i, compression] of codecs.entries()) {
      const records = [commit('g', i, i * 10), commit('h', i, i * 10 + 1)];
      expected.push(...records);
      const specs = records.map((r) => ({ ...encodeCoordinatorRecord(r), timestamp: 1 }));
      // A share group record (key version 11) in the middle: skipped, the rest still read.
      const shareGroupKey = Buffer.from([0, 11, 0, 1, 0x67]);
      replicaManager.appendRecords(partition, encodeRecordBatch({ compression, records: [specs[0]!, { key: shareGroupKey, value: Buffer.from([0, 0, 0, 0, 0, 1]), timestamp: 1 }, specs[1]!] }));
    }
    const marker = encodeEndTxnMarkerBatch({ baseOffset: partition.log.logEndOffset, producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, isCommit: true, timestamp: 1 });
    partition.log.append(marker, partition.leaderEpoch, APPEND_FROM_REPLICATION);
    partition.maybeIncrementHighWatermark();
    await log.append(0, [commit('after', 0, 99)]);
    expected.push(commit('after', 0, 99));

    assert.deepEqual(await readAll(log, 0), expected);
    assert.notEqual(partition.log.config.cleanupPolicy & CLEANUP_COMPACT, 0);
    assert.equal(partition.log.config.cleanupPolicy & CLEANUP_DELETE, 0);
  });
});
