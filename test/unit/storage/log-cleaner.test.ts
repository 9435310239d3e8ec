import assert from 'node:assert/strict';
import { isDeepStrictEqual as isDeepEqual } from 'node:util';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import fc from 'fast-check';
import { encodeEndTxnMarkerBatch, encodeRecordBatch, TIMESTAMP_TYPE_LOG_APPEND_TIME } from '../../../src/protocol/record-batch/index.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import { APPEND_FROM_REPLICATION, type PartitionLog } from '../../../src/storage/partition-log.js';
import { CompactionModel, type Codec, type KeyedRecord, keyedBatch, readBatches, readRecords } from '../../support/compaction-model.js';
import { ManualClock, config, crashImage, openManager, tempDir } from '../../support/storage-fixtures.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const TOPIC = 'table';

function compactConfig(overrides: Record<string, string> = {}): LogConfig {
  return config({
    'cleanup.policy': 'compact',
    'segment.bytes': '1024',
    'index.interval.bytes': '128',
    'min.cleanable.dirty.ratio': '0',
    'delete.retention.ms': '1000',
    ...overrides,
  });
}

/** Appends as a producer would, with the high watermark following (a single-replica partition). */
function appendKeyed(log: PartitionLog, records: readonly { key: string | null; value: string | null }[], timestamp: number, codec: Codec = 0): number {
  const info = log.append(keyedBatch(records, timestamp, codec), 0);
  log.updateHighWatermark(log.logEndOffset);
  return info.firstOffset;
}

function leftoverFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.cleaned') || name.endsWith('.swap'));
}

/** For every key, the log's last record of it must be the key's latest appended value. */
function assertLatestValues(records: readonly KeyedRecord[], model: CompactionModel, what: string): void {
  const lastInLog = new Map<string, string | null>();
  for (const r of records) if (r.key !== null) lastInLog.set(r.key, r.value);
  for (const [key, value] of model.latestByKey()) {
    if (model.isDeletedForGood(key)) assert.equal(lastInLog.has(key), false, `${what}: ${key} was deleted for good`);
    else assert.equal(lastInLog.get(key), value, `${what}: latest value of ${key}`);
  }
}

function assertAscending(records: readonly KeyedRecord[], what: string): void {
  for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset, `${what}: offsets ascend at ${records[i]!.offset}`);
}

/** Every record in the log is the one appended at that offset. */
function assertOriginal(records: readonly KeyedRecord[], model: CompactionModel, what: string): void {
  const byOffset = new Map(model.records.map((r) => [r.offset, r]));
  for (const r of records) assert.deepEqual(r, byOffset.get(r.offset), `${what}: record at ${r.offset} is as appended`);
}

type Op =
  | { kind: 'append'; records: { key: string | null; value: string | null }[]; codec: Codec }
  | { kind: 'roll' }
  | { kind: 'clean'; advanceMs: number }
  | { kind: 'restart' };

const recordArb = fc.record({
  key: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 7 }).map((k) => `k${k}`) }, { weight: 1, arbitrary: fc.constant(null) }),
  value: fc.oneof({ weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((v) => `v-${v}`) }, { weight: 1, arbitrary: fc.constant(null) }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('append' as const), records: fc.array(recordArb, { minLength: 1, maxLength: 5 }), codec: fc.constantFrom<Codec>(0, 1, 2, 3, 4) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('clean' as const), advanceMs: fc.integer({ min: 0, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

describe('LogCleaner', () => {
  test('a compacted log always holds what the model says, through appends, rolls, passes and restarts', async (t) => {
    const cfg = compactConfig({ 'segment.bytes': '400' });
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 60, size: 'max' }), async (ops) => {
      const dir = tempDir(t);
      const clock = new ManualClock();
      let manager: LogManager = openManager(t, dir, clock, cfg);
      let log = manager.createLog(TOPIC, 0, TOPIC_ID);
      const model = new CompactionModel(cfg.deleteRetentionMs);
      for (const op of ops) {
        if (op.kind === 'append') {
          model.append(appendKeyed(log, op.records, clock.nowMs, op.codec), op.records, op.codec);
        } else if (op.kind === 'roll') {
          log.roll();
        } else if (op.kind === 'restart') {
          await manager.close();
          manager = openManager(t, dir, clock, cfg);
          log = manager.getLog(TOPIC, 0)!;
        } else {
          clock.advance(op.advanceMs);
          const active = log.activeSegment;
          const activeBytes = readFileSync(active.logPath);
          const shouldClean = model.cleanedUpTo < active.baseOffset || model.isTombstoneDue(clock.nowMs);
          const results = await manager.runCleaner(clock.nowMs);
          assert.equal(results.length, shouldClean ? 1 : 0, 'a pass runs exactly when something is dirty or a tombstone is due');
          if (shouldClean) {
            assert.equal(results[0]!.completed, true);
            assert.equal(results[0]!.cleanedUpToOffset, active.baseOffset);
            model.clean(clock.nowMs, active.baseOffset);
          }
          assert.equal(log.activeSegment, active, 'the active segment is never replaced');
          assert.deepEqual(readFileSync(active.logPath), activeBytes, 'the active segment is untouched');
          assert.equal(manager.cleaner.firstDirtyOffset(log), model.cleanedUpTo);
          assert.deepEqual(leftoverFiles(log.dir), []);
        }
        const batches = await readBatches(log);
        const records = batches.flatMap((b) => b.records.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })));
        assert.deepEqual(records, model.expected());
        assertAscending(records, op.kind);
        assertLatestValues(records, model, op.kind);
        for (const batch of batches) {
          if (batch.records.length > 0) assert.equal(batch.compression, model.codecs.get(batch.baseOffset), `batch ${batch.baseOffset} keeps its codec`);
        }
      }
    }), { numRuns: 60 });
  });

  test('rewritten batches keep offsets, codec, producer fields, leader epoch and timestamp type', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'message.timestamp.type': 'LogAppendTime' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    const original = encodeRecordBatch({
      records: ['a', 'b', 'c', 'd'].map((k, i) => ({ key: Buffer.from(k), value: Buffer.from(`old-${k}`), timestamp: clock.nowMs - 100 + i, headers: [{ key: 'h', value: Buffer.from(k) }] })),
      compression: 4, producerId: 42, producerEpoch: 3, baseSequence: 10,
    });
    log.append(original, 9);
    clock.advance(10);
    log.append(keyedBatch([{ key: 'b', value: 'new-b' }, { key: 'd', value: 'new-d' }], clock.nowMs, 1), 9);
    log.updateHighWatermark(log.logEndOffset);
    const before = (await readBatches(log))[0]!;
    log.roll();
    await manager.runCleaner(clock.nowMs);
    const after = (await readBatches(log))[0]!;
    assert.deepEqual(after.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.headers[0]?.value?.toString()]), [[0, 'a', 'old-a', 'a'], [2, 'c', 'old-c', 'c']]);
    assert.equal(after.compression, 4);
    assert.equal(after.timestampType, TIMESTAMP_TYPE_LOG_APPEND_TIME);
    for (const field of ['baseOffset', 'lastOffsetDelta', 'partitionLeaderEpoch', 'producerId', 'producerEpoch', 'baseSequence', 'maxTimestamp'] as const) {
      assert.equal(after[field], before[field], field);
    }
    assert.deepEqual(after.records.map((r) => r.timestamp), [before.records[0]!.timestamp, before.records[2]!.timestamp]);
  });

  test('drops null keys, keeps transactional and control batches as stored, and lets no transactional record shadow a value', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig());
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    appendKeyed(log, [{ key: 'a', value: 'a1' }, { key: null, value: 'orphan' }, { key: 'b', value: 'b1' }], clock.nowMs);
    const txn = encodeRecordBatch({ baseOffset: 3, records: [{ key: Buffer.from('a'), value: Buffer.from('a-txn') }], isTransactional: true, producerId: 5, producerEpoch: 0, baseSequence: 0 });
    const marker = encodeEndTxnMarkerBatch({ isCommit: false, producerId: 5, producerEpoch: 0, coordinatorEpoch: 1, timestamp: clock.nowMs, baseOffset: 4 });
    log.append(Buffer.concat([txn, marker]), 0, APPEND_FROM_REPLICATION);
    appendKeyed(log, [{ key: 'b', value: 'b2' }], clock.nowMs);
    log.roll();
    await manager.runCleaner(clock.nowMs);
    const batches = await readBatches(log);
    assert.deepEqual(batches.map((b) => b.baseOffset), [0, 3, 4, 5]);
    assert.deepEqual(batches[0]!.records.map((r) => r.value?.toString()), ['a1'], 'a1 stays: the transactional a is not in the offset map; the null key and b1 go');
    const stored = Buffer.concat(await Promise.all([3, 4].map(async (o) => (await log.read(o, 1, Number.MAX_SAFE_INTEGER, true)).records)));
    assert.deepEqual(stored, Buffer.concat([txn, marker]), 'transactional and control batches are byte for byte as stored');
  });

  test('cleans nothing below min.cleanable.dirty.ratio, and cleans once the ratio is reached', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'min.cleanable.dirty.ratio': '0.5', 'segment.bytes': '100000' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 40; i++) appendKeyed(log, [{ key: `k${i}`, value: `first-${i}` }], clock.nowMs);
    log.roll();
    assert.equal((await manager.runCleaner(clock.nowMs)).length, 1, 'an all-dirty log has ratio 1');
    const cleanBytes = log.segments[0]!.size;
    for (let i = 0; i < 10; i++) appendKeyed(log, [{ key: `k${i}`, value: `second-${i}` }], clock.nowMs);
    log.roll();
    const segments = log.segments;
    assert.ok(log.segments[1]!.size / (cleanBytes + log.segments[1]!.size) < 0.5);
    assert.deepEqual(await manager.runCleaner(clock.nowMs), []);
    assert.equal(log.segments, segments, 'no segment was replaced');
    assert.equal(manager.cleaner.firstDirtyOffset(log), 40);
    for (let i = 10; i < 40; i++) appendKeyed(log, [{ key: `k${i}`, value: `second-${i}` }], clock.nowMs);
    log.roll();
    const [result] = await manager.runCleaner(clock.nowMs);
    assert.ok(result && result.dirtyRatio >= 0.5);
    assert.deepEqual((await readRecords(log)).map((r) => r.value), Array.from({ length: 40 }, (_, i) => `second-${i}`));
  });

  test('max.compaction.lag.ms forces a pass below the ratio', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'min.cleanable.dirty.ratio': '0.99', 'max.compaction.lag.ms': '60000', 'segment.bytes': '100000' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) appendKeyed(log, [{ key: 'k', value: `v${i}` }], clock.nowMs);
    log.roll();
    await manager.runCleaner(clock.nowMs);
    appendKeyed(log, [{ key: 'k', value: 'late' }], clock.nowMs);
    log.roll();
    clock.advance(60_000);
    assert.deepEqual(await manager.runCleaner(clock.nowMs), [], 'exactly max.compaction.lag.ms old is not yet past it');
    clock.advance(1);
    assert.equal((await manager.runCleaner(clock.nowMs)).length, 1);
    assert.deepEqual((await readRecords(log)).map((r) => r.value), ['late']);
  });

  test('min.compaction.lag.ms keeps young segments out of a pass', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'min.compaction.lag.ms': '60000', 'segment.bytes': '100000' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 5; i++) appendKeyed(log, [{ key: 'k', value: `old${i}` }], clock.nowMs);
    log.roll();
    assert.deepEqual(await manager.runCleaner(clock.nowMs), [], 'everything is too young');
    clock.advance(30_000);
    for (let i = 0; i < 5; i++) appendKeyed(log, [{ key: 'k', value: `young${i}` }], clock.nowMs);
    log.roll();
    clock.advance(30_001);
    const [result] = await manager.runCleaner(clock.nowMs);
    assert.equal(result?.cleanedUpToOffset, 5, 'only the segment older than the lag');
    assert.deepEqual((await readRecords(log)).map((r) => r.value), ['old4', 'young0', 'young1', 'young2', 'young3', 'young4']);
  });

  test('never cleans a segment reaching past the high watermark', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'segment.bytes': '100000' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 5; i++) log.append(keyedBatch([{ key: 'k', value: `a${i}` }], clock.nowMs), 0);
    log.roll();
    for (let i = 0; i < 5; i++) log.append(keyedBatch([{ key: 'k', value: `b${i}` }], clock.nowMs), 0);
    log.roll();
    log.updateHighWatermark(7);
    const [result] = await manager.runCleaner(clock.nowMs);
    assert.equal(result?.cleanedUpToOffset, 5, 'only the segment wholly below the high watermark');
    assert.deepEqual((await readRecords(log)).map((r) => r.value), ['a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
  });

  test('a crash at any step of a swap recovers to a consistent log without duplicate or lost latest values', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const cfg = compactConfig({ 'file.delete.delay.ms': '60000' });
    const manager = openManager(t, dir, clock, cfg);
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    const model = new CompactionModel(cfg.deleteRetentionMs);
    const random = fc.sample(fc.array(recordArb, { minLength: 1, maxLength: 4 }), { numRuns: 60, seed: 7 });
    random.forEach((records, i) => {
      model.append(appendKeyed(log, records, clock.nowMs + i, (i % 5) as Codec), records, (i % 5) as Codec);
      // Small explicit rolls early on, so several segments are grouped into one cleaned segment.
      if (i < 12 && i % 2 === 1) log.roll();
    });
    const beforeSegments = log.segments.length;
    const uncleaned = await readRecords(log);
    const images: { step: string; dir: string }[] = [];
    manager.cleaner.onSwapStep = (step) => images.push({ step, dir: crashImage(t, dir) });
    await manager.runCleaner(clock.nowMs);
    manager.cleaner.onSwapStep = null;
    model.clean(clock.nowMs, log.activeSegment.baseOffset);
    const cleaned = await readRecords(log);
    assert.deepEqual(cleaned, model.expected());
    // Each group of segments one cleaned segment replaced spans from one base offset to the next.
    const groupBases = log.segments.map((s) => s.baseOffset);
    const groupOf = (offset: number): number => groupBases.filter((b) => b <= offset).length - 1;
    const inGroup = (records: readonly KeyedRecord[], g: number): KeyedRecord[] => records.filter((r) => groupOf(r.offset) === g);
    assert.ok(log.segments.length < beforeSegments, `segments were grouped: ${beforeSegments} → ${log.segments.length}`);
    assert.ok(images.length > 20, `crash images at ${images.length} steps`);
    const uncleanedOffsets = new Set(uncleaned.map((r) => r.offset));
    for (const image of images) {
      const recovered = openManager(t, image.dir, clock, cfg);
      const again = recovered.getLog(TOPIC, 0)!;
      const records = await readRecords(again);
      const what = `crash after ${image.step}`;
      assertAscending(records, what);
      assertOriginal(records, model, what);
      assertLatestValues(records, model, what);
      assert.ok(records.every((r) => uncleanedOffsets.has(r.offset)), `${what}: nothing reappears`);
      // Every group is wholly as it was or wholly cleaned, and the cleaned ones come first.
      let isStillCleaned = true;
      for (let g = 0; g < groupBases.length; g++) {
        const now = inGroup(records, g);
        const isCleaned = isDeepEqual(now, inGroup(cleaned, g));
        assert.ok(isCleaned || isDeepEqual(now, inGroup(uncleaned, g)), `${what}: group at ${groupBases[g]} is half swapped`);
        assert.ok(isStillCleaned || !isCleaned || isDeepEqual(inGroup(cleaned, g), inGroup(uncleaned, g)), `${what}: groups are swapped in order`);
        isStillCleaned &&= isCleaned;
      }
      assert.deepEqual(leftoverFiles(again.dir), [], `${what}: no swap leftovers`);
      again.updateHighWatermark(again.logEndOffset);
      await recovered.runCleaner(clock.nowMs);
      assert.deepEqual(await readRecords(again), cleaned, `${what}: the next pass finishes the job`);
      await recovered.close();
    }
  });

  test('start-up drops a half-written cleaned segment and an unfinished promotion', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const cfg = compactConfig();
    const manager = openManager(t, dir, clock, cfg);
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 30; i++) appendKeyed(log, [{ key: `k${i % 4}`, value: `v${i}` }], clock.nowMs);
    const expected = await readRecords(log);
    const image = crashImage(t, dir);
    const partition = join(image, `${TOPIC}-0`);
    writeFileSync(join(partition, '00000000000000000000.log.cleaned'), Buffer.from('half a batch'));
    writeFileSync(join(partition, '00000000000000000000.index.swap'), Buffer.alloc(8));
    writeFileSync(join(partition, '00000000000000000000.timeindex.swap'), Buffer.alloc(12));
    const recovered = openManager(t, image, clock, cfg).getLog(TOPIC, 0)!;
    assert.deepEqual(await readRecords(recovered), expected);
    assert.deepEqual(leftoverFiles(partition), []);
  });

  test('appends and reads go on while a pass runs', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'segment.bytes': '4096' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    const model = new CompactionModel(1000);
    for (let i = 0; i < 300; i++) {
      const records = Array.from({ length: 4 }, (_, j) => ({ key: `k${(i * 4 + j) % 50}`, value: `v${i}-${j}` }));
      model.append(appendKeyed(log, records, clock.nowMs, (i % 3) as Codec), records, (i % 3) as Codec);
    }
    log.roll();
    assert.ok(log.segments.length > 10);
    let done = false;
    const pass = manager.runCleaner(clock.nowMs).finally(() => {
      done = true;
    });
    let appendsDuring = 0;
    let readsDuring = 0;
    while (!done) {
      const records = [{ key: `k${appendsDuring % 50}`, value: `during-${appendsDuring}` }];
      model.append(appendKeyed(log, records, clock.nowMs), records, 0);
      appendsDuring++;
      const from = (appendsDuring * 37) % log.logEndOffset;
      const read = await readRecords({ read: (o, b, m, one) => log.read(o, b, m, one), logStartOffset: from, logEndOffset: Math.min(from + 1, log.logEndOffset) });
      assertOriginal(read, model, `read from ${from} during the pass`);
      readsDuring++;
      await nextTurn();
    }
    const [result] = await pass;
    assert.equal(result?.completed, true);
    assert.ok(appendsDuring >= 5 && readsDuring >= 5, `${appendsDuring} appends and ${readsDuring} reads during the pass`);
    const records = await readRecords(log);
    assertAscending(records, 'after the pass');
    assertOriginal(records, model, 'after the pass');
    assertLatestValues(records, model, 'after the pass');
  });

  test('a read in flight when its segment is swapped out finishes on the old bytes', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'segment.bytes': '100000' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    // The first batch is larger than a read's slack, so reading it takes a second file read, which
    // happens after the swap.
    appendKeyed(log, [{ key: 'k', value: 'x'.repeat(40_000) }], clock.nowMs);
    for (let i = 1; i < 12; i++) appendKeyed(log, [{ key: 'k', value: `v${i}` }], clock.nowMs);
    log.roll();
    const before = await readRecords(log);
    const inFlight: Promise<{ records: Buffer; nextOffset: number }>[] = [];
    manager.cleaner.onSwapStep = (step) => {
      if (step === 'promote.log') inFlight.push(log.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true), log.read(0, 1, Number.MAX_SAFE_INTEGER, true));
    };
    await manager.runCleaner(clock.nowMs);
    assert.equal(inFlight.length, 2);
    const [whole, first] = await Promise.all(inFlight.map((read) => readRecords({ read: () => read, logStartOffset: 0, logEndOffset: 1 })));
    assert.deepEqual(whole, before, 'the old segment served its own records');
    assert.deepEqual(first, before.slice(0, 1), 'a read needing a second file read still got the old batch');
    assert.deepEqual((await readRecords(log)).map((r) => r.value), ['v11']);
  });

  test('a pass whose segments retention deletes meanwhile gives them up and leaves the log as retention left it', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock, compactConfig({ 'cleanup.policy': 'compact,delete', 'retention.ms': '60000', 'segment.bytes': '300' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) appendKeyed(log, [{ key: `k${i % 3}`, value: `old${i}` }], clock.nowMs);
    clock.advance(120_000);
    for (let i = 0; i < 20; i++) appendKeyed(log, [{ key: `k${i % 3}`, value: `new${i}` }], clock.nowMs);
    log.roll();
    let retained: KeyedRecord[] = [];
    manager.cleaner.onSwapStep = (step) => {
      if (step !== 'written' || retained.length > 0) return;
      void manager.runMaintenance(clock.nowMs);
      retained = model(log.logStartOffset);
    };
    const all = await readRecords(log);
    const model = (from: number): KeyedRecord[] => all.filter((r) => r.offset >= from);
    const [result] = await manager.runCleaner(clock.nowMs);
    assert.equal(result?.completed, false, 'the pass gave up');
    assert.equal(log.offline, false);
    assert.ok(log.logStartOffset > 0, 'retention removed the old segments');
    assert.deepEqual(await readRecords(log), retained);
    assert.deepEqual(leftoverFiles(log.dir), []);
    assert.equal(manager.cleaner.firstDirtyOffset(log), log.logStartOffset, 'the checkpoint did not move');
    const [again] = await manager.runCleaner(clock.nowMs);
    assert.equal(again?.completed, true);
    assert.deepEqual((await readRecords(log)).map((r) => r.value), ['new17', 'new18', 'new19']);
  });

  test('a pass maps at most maxMapEntries keys and leaves the rest dirty for the next pass', async (t) => {
    // Closed before tempDir's hook removes the directory, so registered first.
    const opened: LogManager[] = [];
    t.after(async () => {
      for (const m of opened) await m.close();
    });
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = LogManager.open({ logDirs: [dir], clock: clock.now, defaultConfig: compactConfig({ 'segment.bytes': '100000' }), cleaner: { maxMapEntries: 4 } });
    opened.push(manager);
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let segment = 0; segment < 4; segment++) {
      for (let i = 0; i < 4; i++) appendKeyed(log, [{ key: `k${i % 2}`, value: `s${segment}-${i}` }], clock.nowMs);
      appendKeyed(log, [{ key: `only${segment}`, value: 'x' }], clock.nowMs);
      log.roll();
    }
    const [first] = await manager.runCleaner(clock.nowMs);
    assert.equal(first?.cleanedUpToOffset, 10, 'the map filled in the second segment, so the pass stopped after it');
    const [second] = await manager.runCleaner(clock.nowMs);
    assert.equal(second?.cleanedUpToOffset, 20);
    assert.deepEqual((await readRecords(log)).filter((r) => r.key?.startsWith('k')).map((r) => r.value), ['s3-2', 's3-3']);
  });

  test('closing the manager stops a pass between chunks and leaves a consistent log', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const cfg = compactConfig({ 'segment.bytes': '2048' });
    const manager = openManager(t, dir, clock, cfg);
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    const model = new CompactionModel(1000);
    for (let i = 0; i < 200; i++) {
      const records = [{ key: `k${i % 20}`, value: `v${i}` }];
      model.append(appendKeyed(log, records, clock.nowMs), records, 0);
    }
    log.roll();
    const pass = manager.runCleaner(clock.nowMs);
    await nextTurn();
    await manager.close();
    const [result] = await pass;
    assert.equal(result?.completed ?? false, false, 'the pass did not finish');
    const reopened = openManager(t, dir, clock, cfg).getLog(TOPIC, 0)!;
    assert.deepEqual(leftoverFiles(reopened.dir), []);
    const records = await readRecords(reopened);
    assertAscending(records, 'after a stopped pass');
    assertOriginal(records, model, 'after a stopped pass');
    assertLatestValues(records, model, 'after a stopped pass');
  });

  test('the cleaner checkpoint survives a restart, and tombstones go once delete.retention.ms has passed', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const cfg = compactConfig({ 'delete.retention.ms': '5000', 'file.delete.delay.ms': '0' });
    let manager = openManager(t, dir, clock, cfg);
    let log = manager.createLog(TOPIC, 0, TOPIC_ID);
    appendKeyed(log, [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }], clock.nowMs);
    appendKeyed(log, [{ key: 'a', value: null }], clock.nowMs);
    log.roll();
    await manager.runCleaner(clock.nowMs);
    assert.deepEqual((await readRecords(log)).map((r) => [r.key, r.value]), [['b', 'b1'], ['a', null]]);
    await manager.runMaintenance(clock.nowMs);
    assert.deepEqual(readdirSync(log.dir).filter((f) => f.endsWith('.deleted')), [], 'replaced files are deleted after file.delete.delay.ms');
    await manager.close();
    assert.match(readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8'), new RegExp(`^0\\n1\\n${TOPIC} 0 3\\n$`));
    manager = openManager(t, dir, clock, cfg);
    log = manager.getLog(TOPIC, 0)!;
    assert.equal(manager.cleaner.firstDirtyOffset(log), 3);
    clock.advance(4999);
    assert.deepEqual(await manager.runCleaner(clock.nowMs), [], 'the tombstone is not due yet');
    clock.advance(1);
    assert.equal((await manager.runCleaner(clock.nowMs)).length, 1, 'a due tombstone makes a pass on its own');
    assert.deepEqual((await readRecords(log)).map((r) => [r.key, r.value]), [['b', 'b1']]);
  });
});
