import assert from 'node:assert/strict';
import { readdirSync, truncateSync, statSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import { decodeRecordBatches } from '../../../src/protocol/record-batch/index.js';
import { ManualClock, batchOf, config, crashImage, openManager, tempDir, valuesOf } from '../../support/storage-fixtures.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

async function readAll(log: { read(o: number, b: number, m: number, one: boolean): Promise<{ records: Buffer; nextOffset: number }>; logStartOffset: number; logEndOffset: number }): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 64 * 1024, Number.MAX_SAFE_INTEGER, true);
    if (data.records.length === 0) break;
    out.push(...valuesOf(data.records));
    offset = data.nextOffset;
  }
  return out;
}

describe('PartitionLog', () => {
  test('assigns consecutive offsets on append and reads back whole batches as stored', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    const first = log.append(batchOf(3, 'a', clock.nowMs), 0);
    const second = log.append(batchOf(2, 'b', clock.nowMs), 0);
    assert.deepEqual([first.firstOffset, first.lastOffset, second.firstOffset, second.lastOffset], [0, 2, 3, 4]);
    assert.equal(log.logEndOffset, 5);
    const data = await log.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    assert.deepEqual(valuesOf(data.records).map((r) => `${r.offset}:${r.value}`), ['0:a-0', '1:a-1', '2:a-2', '3:b-0', '4:b-1']);
    assert.equal(data.nextOffset, 5);
    // Reading from the middle of a batch returns that whole batch.
    const middle = await log.read(1, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    assert.equal(middle.firstOffset, 0);
  });

  test('rolls segments by segment.bytes and reads across them', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'segment.bytes': '1024', 'index.interval.bytes': '100' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 40; i++) log.append(batchOf(2, `v${i}`, clock.nowMs + i), 0);
    assert.ok(log.segments.length > 3, `expected several segments, got ${log.segments.length}`);
    const all = await readAll(log);
    assert.equal(all.length, 80);
    assert.deepEqual(all.map((r) => r.offset), Array.from({ length: 80 }, (_, i) => i));
    for (let target = 0; target < 80; target += 7) {
      const data = await log.read(target, 1, Number.MAX_SAFE_INTEGER, true);
      const offsets = valuesOf(data.records).map((r) => r.offset);
      assert.ok(offsets.includes(target), `read from ${target} holds it`);
      assert.equal(decodeRecordBatches(data.records).length, 1, 'minOneBatch with maxBytes 1 returns exactly one batch');
    }
  });

  test('stops before the high watermark bound and answers OFFSET_OUT_OF_RANGE outside the log', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    log.append(batchOf(2, 'a', clock.nowMs), 0);
    log.append(batchOf(2, 'b', clock.nowMs), 0);
    const capped = await log.read(0, 1 << 20, 2, true);
    assert.deepEqual(valuesOf(capped.records).map((r) => r.value), ['a-0', 'a-1']);
    const atEnd = await log.read(4, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    assert.equal(atEnd.records.length, 0);
    await assert.rejects(log.read(5, 100, Number.MAX_SAFE_INTEGER, true), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  test('refuses corrupt batches without changing the log', (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    const batch = batchOf(2, 'a', clock.nowMs);
    batch[batch.length - 1] ^= 0xff;
    assert.throws(() => log.append(batch, 0), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.CORRUPT_MESSAGE);
    const truncated = batchOf(2, 'a', clock.nowMs).subarray(0, 40);
    assert.throws(() => log.append(truncated, 0), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.CORRUPT_MESSAGE);
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.activeSegment.size, 0);
  });

  test('refuses a batch above max.message.bytes with MESSAGE_TOO_LARGE', (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'max.message.bytes': '200' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    assert.throws(() => log.append(batchOf(20, 'x', clock.nowMs), 0), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.MESSAGE_TOO_LARGE);
  });

  test('stamps LogAppendTime into the batch with a valid CRC', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'message.timestamp.type': 'LogAppendTime' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    const info = log.append(batchOf(2, 'a', 5), 0);
    assert.equal(info.logAppendTime, clock.nowMs);
    const data = await log.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    const [batch] = decodeRecordBatches(data.records);
    assert.equal(batch!.timestampType, 1);
    assert.deepEqual(batch!.records.map((r) => r.timestamp), [clock.nowMs, clock.nowMs]);
  });

  test('finds offsets by timestamp and the record with the largest timestamp', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'segment.bytes': '600', 'index.interval.bytes': '50' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 30; i++) log.append(batchOf(3, `v${i}`, 1000 + i * 10), 0);
    // batch i holds timestamps 1000+10i .. 1000+10i+2 at offsets 3i .. 3i+2
    assert.deepEqual(await log.offsetForTimestamp(1000), { timestamp: 1000, offset: 0, leaderEpoch: 0 });
    assert.deepEqual(await log.offsetForTimestamp(1051), { timestamp: 1051, offset: 16, leaderEpoch: 0 });
    assert.deepEqual(await log.offsetForTimestamp(1055), { timestamp: 1060, offset: 18, leaderEpoch: 0 });
    assert.equal(await log.offsetForTimestamp(99999), null);
    assert.deepEqual(await log.offsetOfMaxTimestamp(), { timestamp: 1292, offset: 89, leaderEpoch: 0 });
  });

  test('truncates to an offset, dropping later batches and epochs', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'segment.bytes': '700' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) log.append(batchOf(2, `v${i}`, clock.nowMs), i < 10 ? 1 : 2);
    assert.deepEqual(log.leaderEpochCache.all, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 20 }]);
    log.truncateTo(15);
    assert.equal(log.logEndOffset, 14, 'the batch 14-15 straddled the target and went whole');
    assert.deepEqual(log.leaderEpochCache.all, [{ epoch: 1, startOffset: 0 }]);
    const values = await readAll(log);
    assert.equal(values.length, 14);
    const next = log.append(batchOf(1, 'after', clock.nowMs), 3);
    assert.equal(next.firstOffset, 14);
  });

  test('DeleteRecords moves the log start offset and retention removes only whole old segments', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'segment.bytes': '500', 'retention.ms': '60000', 'file.delete.delay.ms': '0' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) log.append(batchOf(2, `v${i}`, clock.nowMs), 0);
    log.updateHighWatermark(log.logEndOffset);
    assert.equal(log.deleteRecordsBefore(5), 5);
    await assert.rejects(log.read(4, 100, Number.MAX_SAFE_INTEGER, true), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal((await readAll(log))[0]!.offset, 4, 'the batch holding offset 5 is served whole');
    const segmentsBefore = log.segments.length;
    await manager.runMaintenance(clock.nowMs + 1000);
    assert.equal(log.segments.length, segmentsBefore, 'nothing is old enough yet');
    clock.advance(120_000);
    log.append(batchOf(2, 'fresh', clock.nowMs), 0);
    await manager.runMaintenance();
    assert.equal(log.segments.length, 1, 'every old segment went; the active one stays');
    assert.equal(log.logStartOffset, log.activeSegment.baseOffset);
    const files = readdirSync(log.dir).filter((f) => f.endsWith('.log'));
    assert.equal(files.length, 1);
  });

  test('retention.bytes keeps the log within its size, never deleting the active segment', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'segment.bytes': '500', 'retention.bytes': '1000' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 30; i++) log.append(batchOf(2, `v${i}`, clock.nowMs), 0);
    // Retention only deletes below the high watermark.
    log.updateHighWatermark(log.logEndOffset);
    await manager.runMaintenance();
    assert.ok(log.sizeInBytes <= 1000 + log.activeSegment.size, `size ${log.sizeInBytes}`);
    assert.equal(log.logEndOffset, 60);
    const values = await readAll(log);
    assert.equal(values[values.length - 1]!.offset, 59);
  });
});

describe('LogManager start-up and recovery', () => {
  test('after a clean shutdown every partition and record is found again', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const first = openManager(t, dir, clock, config({ 'segment.bytes': '800' }));
    const log = first.createLog('orders', 3, TOPIC_ID);
    for (let i = 0; i < 25; i++) log.append(batchOf(2, `v${i}`, clock.nowMs + i), 7);
    await first.close();
    const second = openManager(t, dir, clock, config({ 'segment.bytes': '800' }));
    const reopened = second.getLog('orders', 3)!;
    assert.equal(reopened.topicId, TOPIC_ID);
    assert.equal(reopened.logEndOffset, 50);
    assert.equal((await readAll(reopened)).length, 50);
    assert.equal(reopened.append(batchOf(1, 'next', clock.nowMs), 7).firstOffset, 50);
    assert.deepEqual(reopened.leaderEpochCache.all, [{ epoch: 7, startOffset: 0 }]);
  });

  test('a second manager cannot take a locked log directory', (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    openManager(t, dir, clock);
    assert.throws(() => openManager(t, dir, clock), /already in use/);
  });

  test('after a crash a torn tail is truncated and everything before it survives', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 10; i++) log.append(batchOf(3, `v${i}`, clock.nowMs), 0);
    const image = crashImage(t, dir);
    const segmentFile = join(image, 'orders-0', '00000000000000000000.log');
    const size = statSync(segmentFile).size;
    truncateSync(segmentFile, size - 7);
    const recovered = openManager(t, image, clock);
    const again = recovered.getLog('orders', 0)!;
    assert.equal(again.logEndOffset, 27);
    assert.equal((await readAll(again)).length, 27);
  });

  test('after a crash nothing after a corrupt byte is served', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, config({ 'segment.bytes': '600' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) log.append(batchOf(3, `v${i}`, clock.nowMs), 0);
    const image = crashImage(t, dir);
    const segmentFile = join(image, 'orders-0', '00000000000000000000.log');
    const fd = openSync(segmentFile, 'r+');
    writeSync(fd, Buffer.from([0xde, 0xad]), 0, 2, 200);
    closeSync(fd);
    const recovered = openManager(t, image, clock, config({ 'segment.bytes': '600' }));
    const again = recovered.getLog('orders', 0)!;
    const values = await readAll(again);
    assert.ok(values.length < 60);
    assert.deepEqual(values.map((v) => v.offset), Array.from({ length: values.length }, (_, i) => i), 'a prefix of the log, in order');
    assert.equal(again.logEndOffset, values.length);
    assert.equal(again.segments.length, 1, 'segments after the corruption are gone');
  });
});
