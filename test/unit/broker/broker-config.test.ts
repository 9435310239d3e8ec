import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brokerConfigFrom } from '../../../src/broker/broker-config.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG } from '../../../src/coordinator/group/group.js';
import { InvalidConfigError } from '../../../src/storage/log-config.js';

function refused(props: Record<string, string>, setting: string): void {
  assert.throws(() => brokerConfigFrom(props), (err: unknown) => err instanceof InvalidConfigError && err.configName === setting && err.message.includes(setting), setting);
}

describe('broker config: group coordinator settings', () => {
  test('defaults are Kafka\'s, but for a replication factor a single broker can satisfy', () => {
    const config = brokerConfigFrom({});
    assert.deepEqual(config.groupCoordinator, DEFAULT_GROUP_COORDINATOR_CONFIG);
    assert.equal(config.offsetsTopicNumPartitions, 50);
    assert.equal(config.offsetsTopicReplicationFactor, 1);
    assert.equal(config.offsetsTopicSegmentBytes, 104857600);
    assert.deepEqual(config.groupCoordinatorRebalanceProtocols, ['classic', 'consumer']);
  });

  test('settings are read by Kafka\'s names', () => {
    const config = brokerConfigFrom({
      'offsets.retention.minutes': '60', 'group.initial.rebalance.delay.ms': '0', 'group.max.size': '10',
      'group.consumer.assignors': 'range, org.apache.kafka.coordinator.group.assignor.UniformAssignor',
      'group.coordinator.rebalance.protocols': 'classic', 'offsets.commit.timeout.ms': '1000',
    });
    assert.equal(config.groupCoordinator.offsetsRetentionMs, 3_600_000);
    assert.equal(config.groupCoordinator.groupInitialRebalanceDelayMs, 0);
    assert.equal(config.groupCoordinator.groupMaxSize, 10);
    assert.deepEqual(config.groupCoordinator.consumerGroupAssignors, ['range', 'uniform']);
    assert.deepEqual(config.groupCoordinatorRebalanceProtocols, ['classic']);
  });

  test('invalid values are refused with the setting named', () => {
    refused({ 'group.consumer.assignors': 'sticky' }, 'group.consumer.assignors');
    refused({ 'group.consumer.assignors': ' ' }, 'group.consumer.assignors');
    refused({ 'group.coordinator.rebalance.protocols': 'consumer' }, 'group.coordinator.rebalance.protocols');
    refused({ 'group.coordinator.rebalance.protocols': 'classic,share' }, 'group.coordinator.rebalance.protocols');
    refused({ 'offsets.topic.replication.factor': '0' }, 'offsets.topic.replication.factor');
    refused({ 'offsets.topic.segment.bytes': '10' }, 'offsets.topic.segment.bytes');
    refused({ 'group.max.size': '2147483648' }, 'group.max.size');
    refused({ 'offsets.retention.minutes': 'week' }, 'offsets.retention.minutes');
    refused({ 'offsets.commit.timeout.ms': '0' }, 'offsets.commit.timeout.ms');
    refused({ 'group.min.session.timeout.ms': '10000', 'group.max.session.timeout.ms': '5000' }, 'group.max.session.timeout.ms');
    refused({ 'group.consumer.heartbeat.interval.ms': '45000' }, 'group.consumer.heartbeat.interval.ms');
  });
});
