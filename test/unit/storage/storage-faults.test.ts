/**
 * Storage faults: a write or read that the device refuses must fail that operation with
 * KAFKA_STORAGE_ERROR, take the whole log directory offline (every log in it answers
 * KAFKA_STORAGE_ERROR from then on, other directories carry on), never serve a half-written
 * tail, and lose nothing acknowledged before it.
 *
 * A real full disk: a child process runs inside `unshare -Urm` (a user and mount namespace, where
 * an unprivileged process may mount a small tmpfs) and appends until ENOSPC, then reports what it
 * saw as JSON (test/support/enospc-child). Where `unshare` is not permitted these tests are skipped
 * with the reason, except under CI=true, where they fail.
 *
 * Device errors in this process, without test hooks in the storage code: the descriptor a segment
 * holds through the FileHandleCache is swapped, at the same number, for one on the partition's
 * directory, so the next write fails with EBADF and the next read with EISDIR, as a failing disk's
 * EIO would fail them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import { decodeRecordBatches } from '../../../src/protocol/record-batch/index.js';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../../src/storage/log-manager.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { spawnChild, supportScript } from '../../support/child-lines.js';
import { ENOSPC_PARTITIONS, ENOSPC_SCENARIOS, type EnospcReport, enospcValue } from '../../support/enospc-child.js';
import { ManualClock, batchOf, config, tempDir } from '../../support/storage-fixtures.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const IS_CI = process.env['CI'] === 'true';

function isStorageError(err: unknown): boolean {
  return err instanceof KafkaError && err.code === ErrorCode.KAFKA_STORAGE_ERROR;
}

/** Why `unshare -Urm` with a tmpfs mount cannot run here, or null if it can. */
function unshareProblem(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-unshare-probe-'));
  try {
    const probe = spawnSync('unshare', ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=64k none "$1"', 'sh', dir], { encoding: 'utf8', timeout: 10_000 });
    if (probe.error) return `unshare could not run: ${probe.error.message}`;
    if (probe.status !== 0) return `unshare -Urm with a tmpfs mount failed (exit ${probe.status}): ${probe.stderr.trim()}`;
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const UNSHARE_PROBLEM = unshareProblem();

async function readValues(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    for (const batch of decodeRecordBatches(data.records)) for (const r of batch.records) out.push(r.value?.toString() ?? '');
    offset = data.nextOffset;
  }
  return out;
}

describe('a full disk (ENOSPC on a private tmpfs)', () => {
  const skip = UNSHARE_PROBLEM !== null && !IS_CI ? `${UNSHARE_PROBLEM} (set CI=true to make this a failure)` : false;
  for (const scenario of Object.keys(ENOSPC_SCENARIOS)) {
    test(`fails the append with KAFKA_STORAGE_ERROR, takes the directory offline and keeps every acknowledged record (${scenario})`, { skip, timeout: 30_000 }, async (t) => {
      if (UNSHARE_PROBLEM !== null) assert.fail(`CI=true but the ENOSPC tests cannot run: ${UNSHARE_PROBLEM}. Allow unprivileged user namespaces (unshare -Urm) on the CI runner.`);
      const mountPoint = tempDir(t, 'samsa-enospc-');
      const child = spawnChild(t, 'unshare', [
        '-Urm', 'sh', '-c', 'mount -t tmpfs -o size=256k none "$1" && exec "$2" "$3" "$1" "$4"',
        'sh', mountPoint, process.execPath, supportScript('enospc-child.js'), scenario,
      ]);
      await child.waitFor((lines) => lines.some((l) => l.startsWith('result ')), 25_000, 'a result from the child');
      const report = JSON.parse(child.lines.find((l) => l.startsWith('result '))!.slice('result '.length)) as EnospcReport;
      const exit = await child.exited;
      assert.equal(exit.code, 0, `the child finished (stderr: ${child.stderr})`);
      t.diagnostic(`${scenario}: ${report.acked.length} appends acknowledged, then: ${report.failure?.message}`);

      assert.ok(report.acked.length > 0, 'some appends fit');
      assert.equal(report.failure?.code, ErrorCode.KAFKA_STORAGE_ERROR, `the failed append answers KAFKA_STORAGE_ERROR: ${JSON.stringify(report.failure)}`);
      assert.match(report.failure!.message, /ENOSPC|no space/i, 'the message names the cause');
      assert.equal(report.offlineDirs.length, 1, 'the log directory is offline');
      report.probes.forEach((probe, p) => {
        assert.equal(probe.append?.code, ErrorCode.KAFKA_STORAGE_ERROR, `partition ${p}: a further append answers KAFKA_STORAGE_ERROR`);
        assert.equal(probe.read?.code, ErrorCode.KAFKA_STORAGE_ERROR, `partition ${p}: a read answers KAFKA_STORAGE_ERROR`);
      });
      assert.equal(report.close, null, `closing the manager with an offline directory succeeds: ${JSON.stringify(report.close)}`);
      assert.equal(report.reopen, null, `the directory opens again once there is space: ${JSON.stringify(report.reopen)}`);

      const { valueBytes, recordsPerBatch } = ENOSPC_SCENARIOS[scenario]!;
      for (let p = 0; p < ENOSPC_PARTITIONS; p++) {
        const expected: string[] = [];
        for (const ack of report.acked.filter((a) => a.partition === p)) {
          assert.equal(ack.firstOffset, expected.length, `partition ${p}: acknowledged offsets continue`);
          for (let i = 0; i < ack.count; i++) expected.push(enospcValue(ack.sequence, i, valueBytes));
        }
        const recovered = report.recovered[p]!;
        assert.deepEqual(recovered.map((r) => r.offset), recovered.map((_, i) => i), `partition ${p}: offsets are contiguous`);
        assert.deepEqual(recovered.slice(0, expected.length).map((r) => r.value), expected, `partition ${p}: every acknowledged record is back`);
        // The failed append may have reached the file whole (the error came after its bytes), or
        // not at all; never in part, and nothing else is there.
        const extra = recovered.slice(expected.length).map((r) => r.value);
        const failed = Array.from({ length: recordsPerBatch }, (_, i) => enospcValue(report.failedSequence, i, valueBytes));
        assert.ok(extra.length === 0 || (p === report.failedPartition && JSON.stringify(extra) === JSON.stringify(failed)),
          `partition ${p}: after the acknowledged records only the failed append, whole, may stand: ${extra.map((v) => v.slice(0, 12)).join(',')}`);
      }
    });
  }
});

/** The descriptor number this process holds on `path`, from /proc/self/fd. */
function descriptorOf(path: string): number {
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === path) return Number(name);
    } catch {
      // Closed while listing.
    }
  }
  throw new Error(`no descriptor open on ${path}`);
}

/**
 * Replaces descriptor `fd` (a segment file the FileHandleCache holds) with one on directory
 * `dir` at the same number: the cache's next write there fails with EBADF, its next read with
 * EISDIR. Lower free numbers are taken and given back so the number is reused exactly.
 */
function breakDescriptor(fd: number, dir: string): void {
  closeSync(fd);
  const spare: number[] = [];
  try {
    for (let attempt = 0; attempt < 256; attempt++) {
      const opened = openSync(dir, 'r');
      if (opened === fd) return;
      spare.push(opened);
    }
    throw new Error(`could not reopen descriptor ${fd}`);
  } finally {
    for (const s of spare) closeSync(s);
  }
}

const procAvailable = existsSync('/proc/self/fd');

describe('device errors on an open segment', { skip: procAvailable ? false : 'needs /proc/self/fd to find the descriptor to break' }, () => {
  for (const failing of ['write', 'read'] as const) {
    test(`a failed ${failing} answers KAFKA_STORAGE_ERROR, takes only its directory offline and loses nothing acknowledged`, async (t) => {
      const clock = new ManualClock();
      const dirA = tempDir(t);
      const dirB = tempDir(t);
      const cfg = config({ 'segment.bytes': '1500' });
      let manager = LogManager.open({ logDirs: [dirA, dirB], clock: clock.now, defaultConfig: cfg, maxOpenFiles: 50 });
      t.after(() => manager.close());
      const a0 = manager.createLog('a', 0, TOPIC_ID);
      const b0 = manager.createLog('b', 0, TOPIC_ID);
      const a1 = manager.createLog('a', 1, TOPIC_ID);
      assert.ok(a0.dir.startsWith(dirA) && a1.dir.startsWith(dirA) && b0.dir.startsWith(dirB), 'a-0 and a-1 share a directory, b-0 has the other');
      const acked = new Map<PartitionLog, string[]>([[a0, []], [a1, []], [b0, []]]);
      for (let i = 0; i < 30; i++) {
        for (const [log, values] of acked) {
          log.append(batchOf(3, `${log.name}-${i}`, clock.nowMs), 1);
          values.push(`${log.name}-${i}-0`, `${log.name}-${i}-1`, `${log.name}-${i}-2`);
        }
      }
      assert.ok(a0.segments.length > 2, 'a-0 has rolled');

      const broken = failing === 'write' ? a0.activeSegment : a0.segments[0]!;
      if (failing === 'read') await a0.read(0, 100, Number.MAX_SAFE_INTEGER, true);
      breakDescriptor(descriptorOf(broken.logPath), a0.dir);
      if (failing === 'write') {
        const sizeBefore = broken.size;
        assert.throws(() => a0.append(batchOf(3, 'lost', clock.nowMs), 1), isStorageError);
        assert.equal(broken.size, sizeBefore, 'nothing of the failed append counts as written');
      } else {
        await assert.rejects(a0.read(0, 100, Number.MAX_SAFE_INTEGER, true), isStorageError);
      }
      assert.deepEqual([...manager.offlineDirs], [dirA], 'the failing directory, and only it, is offline');
      for (const log of [a0, a1]) {
        assert.throws(() => log.append(batchOf(1, 'more', clock.nowMs), 1), isStorageError, `${log.name}: appends answer KAFKA_STORAGE_ERROR`);
        await assert.rejects(log.read(log.logStartOffset, 1000, Number.MAX_SAFE_INTEGER, true), isStorageError, `${log.name}: reads answer KAFKA_STORAGE_ERROR`);
        assert.throws(() => log.truncateTo(0), isStorageError, `${log.name}: truncation answers KAFKA_STORAGE_ERROR`);
      }
      b0.append(batchOf(1, 'b-0-still', clock.nowMs), 1);
      acked.get(b0)!.push('b-0-still-0');
      assert.deepEqual(await readValues(b0), acked.get(b0), 'the other directory carries on');

      await manager.close();
      assert.ok(!existsSync(join(dirA, CLEAN_SHUTDOWN_FILE)), 'an offline directory is not marked clean');
      assert.ok(existsSync(join(dirB, CLEAN_SHUTDOWN_FILE)), 'the healthy directory is');
      manager = LogManager.open({ logDirs: [dirA, dirB], clock: clock.now, defaultConfig: cfg });
      for (const [log, values] of acked) {
        const again = manager.getLog(log.topic, log.partition)!;
        assert.deepEqual(await readValues(again), values, `${log.name}: every acknowledged record after a restart`);
        assert.equal(again.append(batchOf(1, 'next', clock.nowMs), 2).firstOffset, values.length, `${log.name}: takes appends again`);
      }
      assert.equal(dirname(a0.dir), dirA);
    });
  }
});
