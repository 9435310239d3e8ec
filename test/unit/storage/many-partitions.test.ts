/**
 * Thousands of partitions under a small bound on open segment files: 3000 logs with several
 * segments each are created, appended to round-robin (so all of them roll in the same stretch) and
 * read back, after a restart too, while the FileHandleCache never holds more than `maxOpenFiles`
 * descriptors and the process's own count (/proc/self/fd) stays within that bound plus the few
 * files a moment's work has open (a checkpoint, an index being written).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeRecordBatches } from '../../../src/protocol/record-batch/index.js';
import type { FileHandleCache } from '../../../src/storage/file-handle-cache.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { ManualClock, batchOf, config, tempDir } from '../../support/storage-fixtures.js';

const PARTITIONS = 3000;
const BATCHES_PER_PARTITION = 7;
const MAX_OPEN_FILES = 200;
/** Descriptors a moment's work may hold beyond the cache: a checkpoint or index being written, libuv's own. */
const TRANSIENT_SLACK = 16;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

const procAvailable = existsSync('/proc/self/fd');

function processDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The manager's FileHandleCache: private, read here only to check its bound. */
function handlesOf(manager: LogManager): FileHandleCache {
  return (manager as unknown as { handles: FileHandleCache }).handles;
}

describe('thousands of partitions', () => {
  test(`${PARTITIONS} logs with several segments each stay within maxOpenFiles ${MAX_OPEN_FILES}`, { skip: procAvailable ? false : 'needs /proc/self/fd', timeout: 60_000 }, async (t) => {
    let manager: LogManager | null = null;
    // Registered before tempDir's cleanup, so the manager closes before its directory goes.
    t.after(() => manager?.close());
    const dir = tempDir(t, 'samsa-many-');
    const clock = new ManualClock();
    const cfg = config({ 'segment.bytes': '330', 'index.interval.bytes': '100' });
    const baseline = processDescriptors();
    let peakCache = 0;
    let peakProcess = 0;
    const sample = (handles: FileHandleCache): void => {
      peakCache = Math.max(peakCache, handles.openCount);
      peakProcess = Math.max(peakProcess, processDescriptors() - baseline);
      assert.ok(handles.openCount <= MAX_OPEN_FILES, `the cache holds ${handles.openCount} descriptors`);
      assert.ok(processDescriptors() - baseline <= MAX_OPEN_FILES + TRANSIENT_SLACK, `the process holds ${processDescriptors() - baseline} descriptors more than before`);
    };

    manager = LogManager.open({ logDirs: [dir], clock: clock.now, defaultConfig: cfg, maxOpenFiles: MAX_OPEN_FILES });
    let handles = handlesOf(manager);
    const started = Date.now();
    const phase = (name: string): void => t.diagnostic(`${name} at ${Date.now() - started} ms`);
    const logs: PartitionLog[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      logs.push(manager.createLog('wide', p, TOPIC_ID));
      if (p % 250 === 0) sample(handles);
    }
    phase('created');
    for (let i = 0; i < BATCHES_PER_PARTITION; i++) {
      for (const [p, log] of logs.entries()) {
        // No leader epoch: a new epoch rewrites (and fsyncs) the leader-epoch-checkpoint, which
        // 3000 times over would only slow this test of descriptors down.
        log.append(batchOf(3, `p${p}-b${i}`, clock.nowMs), -1);
        if (p % 250 === 0) sample(handles);
      }
      // Let the flushes that rolls start in the background finish, as the event loop would.
      await new Promise((resolve) => setImmediate(resolve));
      sample(handles);
    }
    assert.ok(logs.every((log) => log.segments.length >= 3), `every log has several segments (fewest ${Math.min(...logs.map((l) => l.segments.length))})`);

    const readBack = async (from: LogManager): Promise<void> => {
      let count = 0;
      for (const log of from.allLogs()) {
        const values: string[] = [];
        let offset = log.logStartOffset;
        while (offset < log.logEndOffset) {
          const data = await log.read(offset, 1 << 20, Number.MAX_SAFE_INTEGER, true);
          for (const batch of decodeRecordBatches(data.records)) for (const r of batch.records) values.push(r.value!.toString());
          offset = data.nextOffset;
        }
        assert.equal(values.length, BATCHES_PER_PARTITION * 3, `${log.name} holds every record`);
        assert.equal(values[values.length - 1], `p${log.partition}-b${BATCHES_PER_PARTITION - 1}-2`, `${log.name} ends with its last record`);
        if (++count % 250 === 0) sample(handles);
      }
      assert.equal(count, PARTITIONS);
    };
    phase('appended');
    await readBack(manager);
    sample(handles);
    phase('read');

    await manager.close();
    phase('closed');
    assert.equal(handles.openCount, 0, 'close releases every descriptor');
    manager = LogManager.open({ logDirs: [dir], clock: clock.now, defaultConfig: cfg, maxOpenFiles: MAX_OPEN_FILES });
    handles = handlesOf(manager);
    sample(handles);
    await readBack(manager);
    sample(handles);
    await manager.close();
    phase('read again after a restart');
    t.diagnostic(`peak: ${peakCache} descriptors in the cache, ${peakProcess} more in the process than at the start`);
  });
});
