/**
 * Crash recovery against real damage.
 *
 * Process kills: a child process (test/support/append-child) appends to three partitions and
 * prints every acknowledged append; the test SIGKILLs it at a random moment, reopens the directory
 * in this process and checks that every acknowledged record is there, at its offset, with its
 * leader epoch, with offsets contiguous and nothing but the one unacknowledged in-flight append
 * after the last acknowledged one. Then the next child appends more to the same directory. Half
 * the rounds check a copy and leave the original crashed, so the next child recovers it itself;
 * the other half check the original and close it cleanly.
 *
 * Damage by hand, on a crash image (no clean-shutdown marker) and, where it applies, after a clean
 * shutdown: the last batch cut at every length, random byte flips in the last segment, garbage,
 * missing and out-of-bounds index files. The log must open, serve a prefix of what was written,
 * serve nothing from the first damaged batch on, and take appends again.
 *
 * Randomness is seeded (SAMSA_CRASH_SEED); the seed is printed as a diagnostic.
 */
import assert from 'node:assert/strict';
import { closeSync, cpSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeRecordBatches } from '../../../src/protocol/record-batch/index.js';
import { LEADER_EPOCH_CHECKPOINT } from '../../../src/storage/leader-epoch-cache.js';
import { LogManager, RECOVERY_POINT_CHECKPOINT } from '../../../src/storage/log-manager.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { spawnChild, supportScript } from '../../support/child-lines.js';
import { ManualClock, batchOf, config, crashImage, openManager, tempDir } from '../../support/storage-fixtures.js';

const SEED = Number(process.env['SAMSA_CRASH_SEED'] ?? 20250611);
const KILL_ROUNDS = 24;
const CHILD_TOPIC = 'crash';
const CHILD_PARTITIONS = 3;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n: number): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface StoredRecord {
  readonly offset: number;
  readonly value: string;
  readonly timestamp: number;
  readonly epoch: number;
  readonly batchBase: number;
}

/** Every record from logStartOffset to logEndOffset, with its batch's epoch and base offset. */
async function readRecords(log: PartitionLog): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    assert.ok(data.records.length > 0, `a read at ${offset} below logEndOffset ${log.logEndOffset} returned nothing`);
    for (const batch of decodeRecordBatches(data.records)) {
      for (const r of batch.records) {
        out.push({ offset: r.offset, value: r.value?.toString() ?? '<null>', timestamp: r.timestamp, epoch: batch.partitionLeaderEpoch, batchBase: batch.baseOffset });
      }
    }
    offset = data.nextOffset;
  }
  return out;
}

/** The leader epoch cache names, for each batch, the epoch the batch carries. */
function assertEpochsMatch(log: PartitionLog, records: readonly StoredRecord[]): void {
  const entries = log.leaderEpochCache.all;
  for (const r of records) {
    if (r.offset !== Math.max(r.batchBase, log.logStartOffset)) continue;
    let epoch = -1;
    for (const e of entries) if (e.startOffset <= r.offset) epoch = e.epoch;
    assert.equal(epoch, r.epoch, `${log.name}: the epoch cache ${JSON.stringify(entries)} gives offset ${r.offset} epoch ${epoch}, its batch says ${r.epoch}`);
  }
}

interface Ack {
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly generation: number;
  readonly sequence: number;
}

function parseAcks(lines: readonly string[]): Ack[] {
  return lines.filter((l) => l.startsWith('ack ')).map((l) => {
    const [partition, firstOffset, lastOffset, epoch, generation, sequence] = l.split(' ').slice(1).map(Number);
    return { partition: partition!, firstOffset: firstOffset!, lastOffset: lastOffset!, epoch: epoch!, generation: generation!, sequence: sequence! };
  });
}

function childValue(generation: number, sequence: number, i: number): string {
  return `g${generation}-s${sequence}-${i}`;
}

/** The records the child appends for one sequence number (its batch sizes are a function of it). */
function childRecordCount(sequence: number): number {
  return 1 + (sequence * 7) % 13;
}

describe('crash recovery after SIGKILL of a writing process', () => {
  test('every acknowledged record survives kills at random moments, round after round', { timeout: 120_000 }, async (t) => {
    const next = random(SEED);
    t.diagnostic(`seed ${SEED} (set SAMSA_CRASH_SEED to change it)`);
    const dir = tempDir(t, 'samsa-kill-');
    /** What each partition must hold, by offset: acknowledged records and adopted in-flight ones. */
    const expected: { value: string; epoch: number }[][] = Array.from({ length: CHILD_PARTITIONS }, () => []);
    let epoch = 0;
    let unacknowledgedKept = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const epochEvery = round % 3 === 0 ? 1 : 17;
      const child = spawnChild(t, process.execPath, [supportScript('append-child.js'), dir, String(round), String(epoch), String(epochEvery)]);
      const killAfter = 1 + next(90);
      await child.waitFor((lines) => lines.filter((l) => l.startsWith('ack ')).length >= killAfter, 15_000, `${killAfter} acknowledged appends in round ${round}`);
      const exit = await child.kill();
      assert.equal(exit.signal, 'SIGKILL', `round ${round}: the child was killed, not finished (stderr: ${child.stderr})`);
      const acks = parseAcks(child.lines);
      for (const ack of acks) {
        const records = expected[ack.partition]!;
        assert.equal(ack.firstOffset, records.length, `round ${round}: acknowledged ${JSON.stringify(ack)} continues the partition`);
        for (let i = 0; i <= ack.lastOffset - ack.firstOffset; i++) records.push({ value: childValue(ack.generation, ack.sequence, i), epoch: ack.epoch });
      }
      const acked = new Set(acks.map((a) => a.sequence));
      const checkOriginal = round % 2 === 1;
      const checkDir = checkOriginal ? dir : crashImage(t, dir);
      const recovered: string[] = [];
      const manager = LogManager.open({
        logDirs: [checkDir],
        logger: { info: (obj, msg) => { if (msg.startsWith('recovered partition')) recovered.push((obj as { partition: string }).partition); }, warn() {}, error() {} },
      });
      try {
        assert.equal(recovered.length, CHILD_PARTITIONS, `round ${round}: every partition is recovered after a kill`);
        for (let p = 0; p < CHILD_PARTITIONS; p++) {
          const log = manager.getLog(CHILD_TOPIC, p)!;
          const stored = await readRecords(log);
          assert.deepEqual(stored.map((r) => r.offset), stored.map((_, i) => i), `round ${round} ${log.name}: offsets are contiguous from 0`);
          const must = expected[p]!;
          assert.ok(stored.length >= must.length, `round ${round} ${log.name}: ${stored.length} records, but ${must.length} were acknowledged`);
          for (let o = 0; o < must.length; o++) {
            assert.deepEqual({ value: stored[o]!.value, epoch: stored[o]!.epoch }, must[o], `round ${round} ${log.name}: offset ${o}`);
          }
          // After the last acknowledged record only the append in flight at the kill may stand,
          // whole: one batch of this round's child, of a sequence it never acknowledged.
          const extra = stored.slice(must.length);
          if (extra.length > 0) {
            const match = /^g(\d+)-s(\d+)-0$/.exec(extra[0]!.value);
            assert.ok(match !== null && Number(match[1]) === round && !acked.has(Number(match[2])), `round ${round} ${log.name}: unexpected records after the acknowledged ones: ${extra.map((r) => r.value).join(',')}`);
            const sequence = Number(match[2]);
            assert.deepEqual(extra.map((r) => r.value), Array.from({ length: childRecordCount(sequence) }, (_, i) => childValue(round, sequence, i)), `round ${round} ${log.name}: the in-flight append is whole`);
            for (const r of extra) must.push({ value: r.value, epoch: r.epoch });
            unacknowledgedKept++;
          }
          assertEpochsMatch(log, stored);
          for (const r of stored) epoch = Math.max(epoch, r.epoch + 1);
        }
      } finally {
        await manager.close();
        if (!checkOriginal) rmSync(checkDir, { recursive: true, force: true });
      }
    }
    t.diagnostic(`${KILL_ROUNDS} kills; ${expected.reduce((n, p) => n + p.length, 0)} records checked; ${unacknowledgedKept} in-flight appends found whole`);
  });
});

describe('crash recovery of the leader epoch cache', () => {
  test('a batch whose new epoch never reached the leader-epoch-checkpoint gets it back from recovery', async (t) => {
    const clock = new ManualClock();
    const dir = tempDir(t);
    const manager = openManager(t, dir, clock);
    const log = manager.createLog('orders', 0, TOPIC_ID);
    for (let i = 0; i < 4; i++) log.append(batchOf(2, `a${i}`, clock.nowMs), 3);
    const checkpointBefore = readFileSync(join(log.dir, LEADER_EPOCH_CHECKPOINT));
    log.append(batchOf(2, 'b', clock.nowMs), 4);
    const image = crashImage(t, dir);
    // As if the process died after writing the batch and before checkpointing its epoch.
    writeFileSync(join(image, 'orders-0', LEADER_EPOCH_CHECKPOINT), checkpointBefore);
    const recovered = openManager(t, image, clock).getLog('orders', 0)!;
    assert.deepEqual(recovered.leaderEpochCache.all, [{ epoch: 3, startOffset: 0 }, { epoch: 4, startOffset: 8 }]);
    assert.deepEqual(recovered.leaderEpochCache.endOffsetFor(3, recovered.logEndOffset), { epoch: 3, endOffset: 8 });
  });
});

// ---------------------------------------------------------------------------------------------
// Damage by hand

interface WrittenLog {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly config: LogConfig;
  readonly records: readonly StoredRecord[];
  /** Base offset, file and byte range of every batch of the last segment. */
  readonly lastSegmentBatches: readonly { base: number; start: number; end: number }[];
  readonly lastSegmentFile: string;
}

const DAMAGE_CONFIG = { 'segment.bytes': '1200', 'index.interval.bytes': '120', 'segment.index.bytes': '1024' };

/**
 * Writes 60 batches over several segments with timestamps out of order (so the time index has
 * work to do) and growing epochs, then leaves either a crash image (recovery point checkpointed
 * at the end, so earlier segments are trusted as they are) or a clean shutdown.
 */
async function writeLog(t: Parameters<typeof tempDir>[0], shutdown: 'crash' | 'clean'): Promise<WrittenLog> {
  const dir = tempDir(t);
  const clock = new ManualClock();
  const cfg = config(DAMAGE_CONFIG);
  const manager = openManager(t, dir, clock, cfg);
  const log = manager.createLog('orders', 0, TOPIC_ID);
  for (let i = 0; i < 60; i++) {
    log.append(batchOf(1 + (i % 4), `v${i}`, clock.nowMs + ((i * 37) % 50) * 10, { compression: (i % 5) as 0 | 1 | 2 | 3 | 4 }), 1 + Math.floor(i / 15));
  }
  assert.ok(log.segments.length >= 4, `several segments (${log.segments.length})`);
  const records = await readRecords(log);
  const last = log.activeSegment;
  const lastSegmentFile = last.logPath;
  const bytes = (await last.read(last.baseOffset, 1 << 20, Number.MAX_SAFE_INTEGER, true))!.records;
  const lastSegmentBatches: { base: number; start: number; end: number }[] = [];
  let position = 0;
  for (const batch of decodeRecordBatches(bytes)) {
    lastSegmentBatches.push({ base: batch.baseOffset, start: position, end: position + batch.batchLength + 12 });
    position += batch.batchLength + 12;
  }
  assert.equal(position, statSync(lastSegmentFile).size);
  let image = dir;
  if (shutdown === 'crash') {
    await log.flush();
    manager.checkpoint();
    image = crashImage(t, dir);
  } else {
    await manager.close();
  }
  return { dir: image, clock, config: cfg, records, lastSegmentBatches, lastSegmentFile: join(image, 'orders-0', basename(lastSegmentFile)) };
}

/** A fresh copy of `written.dir` to damage. */
function copyOf(t: Parameters<typeof tempDir>[0], written: WrittenLog): { dir: string; file: (name: string) => string; lastSegmentFile: string } {
  const dir = tempDir(t, 'samsa-damage-');
  cpSync(written.dir, dir, { recursive: true });
  const file = (name: string): string => join(dir, 'orders-0', name);
  return { dir, file, lastSegmentFile: file(basename(written.lastSegmentFile)) };
}

/**
 * Opens the damaged copy and checks that it holds exactly the first `expectedEnd` records
 * written, that (when `thorough`) segment timestamps, ListOffsets and reads from every offset
 * agree with them, and that it takes an append and still has everything after a clean restart.
 */
async function assertServesPrefix(dir: string, written: WrittenLog, expectedEnd: number, what: string, thorough = true): Promise<void> {
  let manager = LogManager.open({ logDirs: [dir], clock: written.clock.now, defaultConfig: written.config });
  try {
    let log = manager.getLog('orders', 0)!;
    assert.equal(log.logEndOffset, expectedEnd, `${what}: logEndOffset`);
    const prefix = written.records.slice(0, expectedEnd);
    assert.deepEqual(await readRecords(log), prefix, `${what}: the records served`);
    assertEpochsMatch(log, prefix);
    if (thorough) await assertLookupsAgree(log, prefix, what);
    const info = log.append(batchOf(2, 'after', written.clock.nowMs), 9);
    assert.equal(info.firstOffset, expectedEnd, `${what}: the next append continues the prefix`);
    await manager.close();
    manager = LogManager.open({ logDirs: [dir], clock: written.clock.now, defaultConfig: written.config });
    log = manager.getLog('orders', 0)!;
    const again = await readRecords(log);
    assert.deepEqual(again.slice(0, expectedEnd), prefix, `${what}: the prefix after a restart`);
    assert.deepEqual(again.slice(expectedEnd).map((r) => r.value), ['after-0', 'after-1'], `${what}: the append after a restart`);
  } finally {
    await manager.close();
  }
}

/** Reads from every offset, each segment's largest timestamp and ListOffsets agree with `prefix`. */
async function assertLookupsAgree(log: PartitionLog, prefix: readonly StoredRecord[], what: string): Promise<void> {
  for (const { offset } of prefix) {
    const data = await log.read(offset, 1, Number.MAX_SAFE_INTEGER, true);
    const [batch] = decodeRecordBatches(data.records);
    assert.ok(batch !== undefined && batch.baseOffset <= offset && batch.baseOffset + batch.lastOffsetDelta >= offset, `${what}: a read at ${offset} starts with the batch holding it`);
  }
  // Retention and ListOffsets go by each segment's largest timestamp.
  log.segments.forEach((segment, i) => {
    const upper = log.segments[i + 1]?.baseOffset ?? Number.MAX_SAFE_INTEGER;
    const inside = prefix.filter((r) => r.offset >= segment.baseOffset && r.offset < upper);
    if (inside.length > 0) assert.equal(segment.largestTimestamp, Math.max(...inside.map((r) => r.timestamp)), `${what}: largest timestamp of segment ${segment.baseOffset}`);
  });
  for (const target of [0, ...prefix.map((r) => r.timestamp), Number.MAX_SAFE_INTEGER]) {
    const first = prefix.find((r) => r.timestamp >= target);
    assert.deepEqual(await log.offsetForTimestamp(target), first ? { timestamp: first.timestamp, offset: first.offset, leaderEpoch: first.epoch } : null, `${what}: offsetForTimestamp(${target})`);
  }
  const max = prefix.reduce<StoredRecord | null>((best, r) => (best === null || r.timestamp > best.timestamp ? r : best), null);
  assert.deepEqual(await log.offsetOfMaxTimestamp(), max ? { timestamp: max.timestamp, offset: max.offset, leaderEpoch: max.epoch } : null, `${what}: offsetOfMaxTimestamp`);
}

describe('recovery from damaged files', () => {
  for (const shutdown of ['crash', 'clean'] as const) {
    test(`a last batch cut at any length is dropped whole (${shutdown} shutdown)`, async (t) => {
      const written = await writeLog(t, shutdown);
      const last = written.lastSegmentBatches[written.lastSegmentBatches.length - 1]!;
      for (let cut = last.start; cut < last.end; cut++) {
        const copy = copyOf(t, written);
        truncateSync(copy.lastSegmentFile, cut);
        // Every cut gets the full check at the batch's edges and now and then in between.
        const thorough = cut === last.start || cut === last.start + 1 || cut === last.end - 1 || cut % 16 === 0;
        await assertServesPrefix(copy.dir, written, last.base, `cut at byte ${cut} of ${last.end}`, thorough);
        rmSync(copy.dir, { recursive: true, force: true });
      }
    });
  }

  test('a flipped byte in the last segment drops its batch and everything after it', async (t) => {
    const written = await writeLog(t, 'crash');
    const next = random(SEED + 1);
    t.diagnostic(`seed ${SEED + 1}`);
    for (let trial = 0; trial < 60; trial++) {
      const batch = written.lastSegmentBatches[next(written.lastSegmentBatches.length)]!;
      // baseOffset (bytes 0-7) and partitionLeaderEpoch (12-15) sit outside the CRC by the
      // format's design, so the leader can assign them in place; a flip there cannot be told
      // from a real value, as in Kafka. Every other byte of a batch is covered.
      let at: number;
      do at = next(batch.end - batch.start); while (at < 8 || (at >= 12 && at < 16));
      const position = batch.start + at;
      const copy = copyOf(t, written);
      const fd = openSync(copy.lastSegmentFile, 'r+');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, position);
      byte[0] ^= 1 + next(255);
      writeSync(fd, byte, 0, 1, position);
      closeSync(fd);
      await assertServesPrefix(copy.dir, written, batch.base, `byte ${at} of the batch at ${batch.base} flipped`);
      rmSync(copy.dir, { recursive: true, force: true });
    }
  });

  for (const shutdown of ['crash', 'clean'] as const) {
    test(`garbage, missing and out-of-bounds index files are rebuilt (${shutdown} shutdown)`, async (t) => {
      const written = await writeLog(t, shutdown);
      const next = random(SEED + 2);
      const damages: [string, (path: string) => void][] = [
        ['garbage', (path) => writeFileSync(path, Buffer.from(Array.from({ length: 8 * (1 + next(20)) + next(8) }, () => next(256))))],
        ['missing', (path) => rmSync(path)],
        ['empty', (path) => writeFileSync(path, Buffer.alloc(0))],
        ['pointing past the end', (path) => {
          // Ascending entries whose last position lies beyond the segment's end.
          const entries = path.endsWith('.timeindex') ? [[0, 1], [Number.MAX_SAFE_INTEGER - 5, 400_000]] : [[1, 0], [3, 900_000]];
          const entrySize = path.endsWith('.timeindex') ? 12 : 8;
          const buf = Buffer.alloc(entries.length * entrySize);
          entries.forEach(([a, b], i) => {
            if (entrySize === 12) {
              buf.writeBigInt64BE(BigInt(a!), i * 12);
              buf.writeUInt32BE(b! % 4294967296, i * 12 + 8);
            } else {
              buf.writeUInt32BE(a!, i * 8);
              buf.writeUInt32BE(b!, i * 8 + 4);
            }
          });
          writeFileSync(path, buf);
        }],
      ];
      for (const [name, damage] of damages) {
        for (const suffix of ['.index', '.timeindex']) {
          const copy = copyOf(t, written);
          const files = readdirSync(join(copy.dir, 'orders-0')).filter((f) => f.endsWith(suffix)).sort();
          // A segment before the recovery point (trusted as it is) and the active one.
          for (const f of [files[1]!, files[files.length - 1]!]) damage(copy.file(f));
          await assertServesPrefix(copy.dir, written, written.records.length, `${name} ${suffix} files`);
          rmSync(copy.dir, { recursive: true, force: true });
        }
      }
      assert.ok(readdirSync(written.dir).includes(RECOVERY_POINT_CHECKPOINT));
    });
  }
});
