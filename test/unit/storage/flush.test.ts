/**
 * Flushing and the recovery point: flush.messages and flush.ms fsync the log and move its
 * recovery point; a crash then re-scans only the segments from the checkpointed recovery point;
 * recovery itself does not move it (what it read may still sit in the page cache only); a clean
 * shutdown makes the next start skip recovery altogether.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLEAN_SHUTDOWN_FILE, type LogManager, RECOVERY_POINT_CHECKPOINT } from '../../../src/storage/log-manager.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { ManualClock, batchOf, config, crashImage, openManager, tempDir, valuesOf } from '../../support/storage-fixtures.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

interface Recovery {
  readonly partition: string;
  readonly recoveredSegments: number;
  readonly truncatedBytes: number;
  readonly logEndOffset: number;
}

/** Opens a manager on `dir` that records what it logs about recovering partitions. */
function openRecording(t: Parameters<typeof tempDir>[0], dir: string, clock: ManualClock, cfg: LogConfig): { manager: LogManager; recoveries: Recovery[] } {
  const recoveries: Recovery[] = [];
  const manager = openManager(t, dir, clock, cfg, {
    logger: { info: (obj, msg) => { if (msg.startsWith('recovered partition')) recoveries.push(obj as Recovery); }, warn() {}, error() {} },
  });
  return { manager, recoveries };
}

/** Lets the event loop run until `done()` (a background flush finishing), failing after a while. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function readAllValues(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    out.push(...valuesOf(data.records).map((r) => r.value));
    offset = data.nextOffset;
  }
  return out;
}

describe('flush.messages and flush.ms', () => {
  test('flush.messages flushes once that many messages are unflushed, and moves the recovery point', async (t) => {
    const clock = new ManualClock();
    const manager = openManager(t, tempDir(t), clock, config({ 'flush.messages': '10' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 3; i++) log.append(batchOf(3, `a${i}`, clock.nowMs), 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(log.recoveryPoint, 0, 'nine messages are not enough');
    log.append(batchOf(3, 'a3', clock.nowMs), 0);
    await until(() => log.recoveryPoint === 12, 'the flush after the tenth message');
    log.append(batchOf(3, 'b', clock.nowMs), 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(log.recoveryPoint, 12, 'the count starts again after a flush');
  });

  test('flush.ms flushes at the first maintenance run that long after the last flush', async (t) => {
    const clock = new ManualClock();
    const manager = openManager(t, tempDir(t), clock, config({ 'flush.ms': '1000' }));
    const log = manager.createLog('orders', 0, TOPIC_ID);
    await manager.runMaintenance();
    log.append(batchOf(2, 'a', clock.nowMs), 0);
    clock.advance(999);
    await manager.runMaintenance();
    assert.equal(log.recoveryPoint, 0, 'not yet');
    clock.advance(1);
    await manager.runMaintenance();
    assert.equal(log.recoveryPoint, 2, 'flushed and moved');
  });

  test('a flush that a truncation overtakes leaves the recovery point where the truncation put it', async (t) => {
    const clock = new ManualClock();
    const manager = openManager(t, tempDir(t), clock);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 5; i++) log.append(batchOf(2, `a${i}`, clock.nowMs), 0);
    await log.flush();
    for (let i = 0; i < 5; i++) log.append(batchOf(2, `b${i}`, clock.nowMs), 0);
    const flushing = log.flush();
    log.truncateTo(14);
    log.append(batchOf(2, 'c', clock.nowMs), 0);
    await flushing;
    assert.equal(log.recoveryPoint, 10, 'what the flush fsynced from offset 14 on is gone, and what replaced it was not fsynced');
    assert.ok(log.recoveryPoint <= log.logEndOffset);
  });
});

describe('recovery from the recovery point', () => {
  const cfg = config({ 'segment.bytes': '600', 'index.interval.bytes': '100' });

  test('after a crash only the segments from the checkpointed recovery point are re-scanned', async (t) => {
    const clock = new ManualClock();
    const dir = tempDir(t);
    const manager = openManager(t, dir, clock, cfg);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) log.append(batchOf(3, `a${i}`, clock.nowMs), 0);
    await log.flush();
    const recoveryPoint = log.recoveryPoint;
    assert.equal(recoveryPoint, 60);
    manager.checkpoint();
    for (let i = 0; i < 12; i++) log.append(batchOf(3, `b${i}`, clock.nowMs), 0);
    const holdingRecoveryPoint = log.segments.filter((s) => s.baseOffset <= recoveryPoint).length - 1;
    const segmentsFromRecoveryPoint = log.segments.length - holdingRecoveryPoint;
    assert.ok(holdingRecoveryPoint >= 3, 'several segments lie wholly before the recovery point');

    const image = crashImage(t, dir);
    const { manager: recovered, recoveries } = openRecording(t, image, clock, cfg);
    assert.equal(recoveries.length, 1);
    assert.equal(recoveries[0]!.recoveredSegments, segmentsFromRecoveryPoint, 'only the segments from the one holding the recovery point are re-scanned');
    assert.equal(recoveries[0]!.truncatedBytes, 0);
    const again = recovered.getLog('orders', 0)!;
    assert.equal(again.logEndOffset, 96);
    assert.equal((await readAllValues(again)).length, 96);
  });

  test('recovery leaves the recovery point at its checkpoint until the next flush', async (t) => {
    const clock = new ManualClock();
    const dir = tempDir(t);
    const manager = openManager(t, dir, clock, cfg);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 10; i++) log.append(batchOf(3, `a${i}`, clock.nowMs), 0);
    await log.flush();
    manager.checkpoint();
    for (let i = 0; i < 10; i++) log.append(batchOf(3, `b${i}`, clock.nowMs), 0);

    const image = crashImage(t, dir);
    const { manager: first, recoveries } = openRecording(t, image, clock, cfg);
    const recovered = first.getLog('orders', 0)!;
    assert.equal(recovered.logEndOffset, 60);
    assert.equal(recovered.recoveryPoint, 30, 'what recovery read past the checkpoint is not yet known to be on disk');
    const firstScan = recoveries[0]!.recoveredSegments;
    // A second crash before any flush re-scans the same segments.
    first.checkpoint();
    const secondImage = crashImage(t, image);
    const { recoveries: secondRecoveries } = openRecording(t, secondImage, clock, cfg);
    assert.equal(secondRecoveries[0]!.recoveredSegments, firstScan);
    await recovered.flush();
    assert.equal(recovered.recoveryPoint, 60, 'a flush moves it');
  });

  test('a clean shutdown makes the next start skip recovery, and checkpoints the log end as the recovery point', async (t) => {
    const clock = new ManualClock();
    const dir = tempDir(t);
    const manager = openManager(t, dir, clock, cfg);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 20; i++) log.append(batchOf(3, `a${i}`, clock.nowMs), 0);
    await manager.close();
    assert.ok(existsSync(join(dir, CLEAN_SHUTDOWN_FILE)), 'the clean-shutdown marker is written');
    assert.ok(existsSync(join(dir, RECOVERY_POINT_CHECKPOINT)));

    const { manager: reopened, recoveries } = openRecording(t, dir, clock, cfg);
    assert.deepEqual(recoveries, [], 'nothing is recovered after a clean shutdown');
    assert.ok(!existsSync(join(dir, CLEAN_SHUTDOWN_FILE)), 'the marker goes once the directory is in use again');
    const again = reopened.getLog('orders', 0)!;
    assert.equal(again.recoveryPoint, 60);
    assert.equal((await readAllValues(again)).length, 60);

    // A crash now re-scans only the active segment: everything before was flushed at shutdown.
    again.append(batchOf(3, 'b', clock.nowMs), 0);
    const image = crashImage(t, dir);
    const { recoveries: afterCrash } = openRecording(t, image, clock, cfg);
    assert.equal(afterCrash[0]!.recoveredSegments, 1);
    assert.equal(afterCrash[0]!.logEndOffset, 63);
  });
});

describe('a shutdown that cannot finish its bookkeeping', () => {
  test('leaves no clean-shutdown marker, releases the directory, and the next start recovers every record', async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock();
    const manager = openManager(t, dir, clock);
    const log = manager.createLog('orders', 0, 'AAAAAAAAAAAAAAAAAAAAAQ');
    for (let i = 0; i < 5; i++) log.append(batchOf(2, `v${i}`, clock.nowMs), 0);
    // A directory where the checkpoint's temp file goes makes writing the checkpoint fail.
    const blocker = join(dir, `${RECOVERY_POINT_CHECKPOINT}.tmp`);
    mkdirSync(blocker);
    await manager.close();
    assert.equal(existsSync(join(dir, CLEAN_SHUTDOWN_FILE)), false, 'no clean marker after a failed checkpoint');
    rmSync(blocker, { recursive: true });
    const reopened = openManager(t, dir, clock);
    const again = reopened.getLog('orders', 0)!;
    assert.equal(again.logEndOffset, 10);
    const data = await again.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    assert.equal(valuesOf(data.records).length, 10);
  });
});
