import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CLEANUP_COMPACT, CLEANUP_DELETE, DEFAULT_LOG_CONFIG, InvalidConfigError, LOG_CONFIG_DEFINITIONS,
  formatValue, logConfigFromBrokerProperties, logConfigWith,
} from '../../../src/storage/log-config.js';

describe('log configuration', () => {
  test('defaults are Kafka\'s', () => {
    assert.equal(DEFAULT_LOG_CONFIG.segmentBytes, 1073741824);
    assert.equal(DEFAULT_LOG_CONFIG.segmentMs, 604800000);
    assert.equal(DEFAULT_LOG_CONFIG.segmentIndexBytes, 10485760);
    assert.equal(DEFAULT_LOG_CONFIG.indexIntervalBytes, 4096);
    assert.equal(DEFAULT_LOG_CONFIG.retentionMs, 604800000);
    assert.equal(DEFAULT_LOG_CONFIG.retentionBytes, -1);
    assert.equal(DEFAULT_LOG_CONFIG.cleanupPolicy, CLEANUP_DELETE);
    assert.equal(DEFAULT_LOG_CONFIG.deleteRetentionMs, 86400000);
    assert.equal(DEFAULT_LOG_CONFIG.minCleanableDirtyRatio, 0.5);
    assert.equal(DEFAULT_LOG_CONFIG.minCompactionLagMs, 0);
    assert.equal(DEFAULT_LOG_CONFIG.maxMessageBytes, 1048588);
    assert.equal(DEFAULT_LOG_CONFIG.fileDeleteDelayMs, 60000);
    assert.equal(DEFAULT_LOG_CONFIG.messageTimestampType, 0);
  });

  test('a topic override wins over the broker default and is validated', () => {
    const broker = logConfigFromBrokerProperties({ 'log.segment.bytes': '5000', 'log.retention.hours': '1' });
    assert.equal(broker.segmentBytes, 5000);
    assert.equal(broker.retentionMs, 3_600_000);
    const topic = logConfigWith(broker, { 'cleanup.policy': 'compact,delete', 'retention.ms': '-1' });
    assert.equal(topic.cleanupPolicy, CLEANUP_COMPACT | CLEANUP_DELETE);
    assert.equal(topic.retentionMs, -1);
    assert.equal(topic.segmentBytes, 5000, 'inherited from the broker');
  });

  test('log.retention.ms is preferred over minutes and hours, as in Kafka', () => {
    const c = logConfigFromBrokerProperties({ 'log.retention.ms': '1234', 'log.retention.hours': '5' });
    assert.equal(c.retentionMs, 1234);
  });

  test('unknown names and invalid values are refused with a message naming the setting', () => {
    assert.throws(() => logConfigWith(DEFAULT_LOG_CONFIG, { 'segment.byte': '1' }), (err: unknown) => err instanceof InvalidConfigError && /segment\.byte/.test(err.message));
    assert.throws(() => logConfigWith(DEFAULT_LOG_CONFIG, { 'segment.bytes': 'lots' }), /invalid value for segment\.bytes/);
    assert.throws(() => logConfigWith(DEFAULT_LOG_CONFIG, { 'cleanup.policy': 'shred' }), /cleanup policy "shred"/);
    assert.throws(() => logConfigWith(DEFAULT_LOG_CONFIG, { 'min.cleanable.dirty.ratio': '2' }), /between 0 and 1/);
  });

  test('Long.MAX_VALUE is accepted and printed back as Kafka prints it', () => {
    const c = logConfigWith(DEFAULT_LOG_CONFIG, { 'flush.ms': '9223372036854775807' });
    const d = LOG_CONFIG_DEFINITIONS.find((x) => x.name === 'flush.ms')!;
    assert.equal(formatValue(d, c.flushMs), '9223372036854775807');
    const policy = LOG_CONFIG_DEFINITIONS.find((x) => x.name === 'cleanup.policy')!;
    assert.equal(formatValue(policy, CLEANUP_DELETE | CLEANUP_COMPACT), 'delete,compact');
  });
});
