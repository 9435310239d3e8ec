/**
 * Storage throughput, each figure next to a raw `fs` baseline measured in the same run on the
 * same disk (a temp dir under os.tmpdir(), removed at the end):
 *
 * - append: `PartitionLog.append` of real v2 batches (1 KiB records, built once; every append
 *   rewrites the base offset in place) of 64 KiB and 1 MiB, to one partition and round-robin to
 *   eight, vs `fs.writeSync` of the same bytes to one (or eight) plain files at increasing
 *   positions. A second reference adds the framing and CRC32C check Kafka makes on every append
 *   (and so must Samsa), which shows how much of the gap is that check. segment.bytes is lowered
 *   from 1 GiB to 128 MiB so the one-partition logs roll (and pay the background flush a roll
 *   starts) within the run.
 * - sequential read: `PartitionLog.read(offset, 1 MiB, ∞, true)` walking each one-partition log
 *   written above, vs promisified `fs.read` of 1 MiB chunks (a fresh buffer each, as a fetch must
 *   hand one out) over the baseline's file of the same size.
 * - fsync (informational): append 1 MiB then `flush()`, vs `writeSync` then `fdatasync`.
 *
 * The sides take turns round by round, the order rotating, after two warm-up rounds each, so
 * page-cache writeback and CPU frequency drift hit all alike. Figures are the median of the
 * rounds' mean µs per operation; p99 is over single operations. About 3 GB is written, and as
 * much again to pre-fault pages (see prefaultPageCache).
 *
 * Run: `npm run build && node dist/bench/storage.js`. Prints tables; writes nothing else.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, mkdtempSync, openSync, read, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { encodeRecordBatch, RecordBatchHeader } from '../src/protocol/record-batch/index.js';
import { DEFAULT_LOG_CONFIG, logConfigWith } from '../src/storage/log-config.js';
import { LogManager } from '../src/storage/log-manager.js';
import type { PartitionLog } from '../src/storage/partition-log.js';
import { commit, environment, machine, printTable, summarize, type Measurement } from './measure.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const RECORD_BYTES = KIB;
const SEGMENT_BYTES = 128 * MIB;
/** Bytes each append round writes, per side. */
const ROUND_BYTES = 8 * MIB;
const APPEND_ROUNDS = 25;
const READ_ROUNDS = 7;
const FSYNC_ROUNDS = 5;
const FSYNC_OPS_PER_ROUND = 16;
const WARMUP_ROUNDS = 2;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const LEADER_EPOCH = 0;

const readAsync = promisify(read);
const fdatasyncAsync = promisify(fdatasync);

interface RoundResult {
  readonly ops: number;
  readonly bytes: number;
  readonly elapsedUs: number;
}

/** One side of a comparison: `round` runs one timed round, pushing each operation's µs to `singleOpUs`. */
interface Side {
  readonly name: string;
  round(singleOpUs: number[]): RoundResult | Promise<RoundResult>;
}

/** A plain file the baseline writes at increasing positions, as a segment grows. */
interface RawFile {
  readonly fd: number;
  size: number;
}

/** A v2 batch of 1 KiB records, as large as fits in `targetBytes`. */
function makeBatch(targetBytes: number): Buffer {
  const encode = (count: number): Buffer => encodeRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: randomBytes(RECORD_BYTES), timestamp: 1_700_000_000_000 + i })),
  });
  const guess = Math.floor(targetBytes / RECORD_BYTES);
  const perRecord = encode(guess).length / guess;
  let count = Math.floor(targetBytes / perRecord);
  let batch = encode(count);
  while (batch.length > targetBytes) batch = encode(--count);
  return batch;
}

function appendSide(name: string, logs: readonly PartitionLog[], batch: Buffer, opsPerRound: number): Side {
  let next = 0;
  return {
    name,
    round(singleOpUs) {
      const start = performance.now();
      for (let i = 0; i < opsPerRound; i++) {
        const t0 = performance.now();
        logs[next++ % logs.length]!.append(batch, LEADER_EPOCH);
        singleOpUs.push((performance.now() - t0) * 1000);
      }
      return { ops: opsPerRound, bytes: opsPerRound * batch.length, elapsedUs: (performance.now() - start) * 1000 };
    },
  };
}

function openRawFile(dir: string, name: string): RawFile {
  return { fd: openSync(join(dir, name), 'w+', 0o644), size: 0 };
}

function writeFully(file: RawFile, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(file.fd, bytes, written, bytes.length - written, file.size + written);
  file.size += bytes.length;
}

/** The baseline append; with `verifyCrc`, also the framing and CRC32C check every append must make. */
function rawAppendSide(name: string, files: readonly RawFile[], batch: Buffer, opsPerRound: number, verifyCrc: boolean): Side {
  const header = new RecordBatchHeader();
  let next = 0;
  return {
    name,
    round(singleOpUs) {
      const start = performance.now();
      for (let i = 0; i < opsPerRound; i++) {
        const t0 = performance.now();
        if (verifyCrc) header.reset(batch, 0).validate();
        writeFully(files[next++ % files.length]!, batch);
        singleOpUs.push((performance.now() - t0) * 1000);
      }
      return { ops: opsPerRound, bytes: opsPerRound * batch.length, elapsedUs: (performance.now() - start) * 1000 };
    },
  };
}

function readSide(name: string, log: PartitionLog): Side {
  return {
    name,
    async round(singleOpUs) {
      let offset = log.logStartOffset;
      let ops = 0;
      let bytes = 0;
      const start = performance.now();
      while (offset < log.logEndOffset) {
        const t0 = performance.now();
        const data = await log.read(offset, MIB, Infinity, true);
        singleOpUs.push((performance.now() - t0) * 1000);
        if (data.records.length === 0) throw new Error(`read at ${offset} of ${log.name} returned nothing`);
        offset = data.nextOffset;
        bytes += data.records.length;
        ops++;
      }
      return { ops, bytes, elapsedUs: (performance.now() - start) * 1000 };
    },
  };
}

function rawReadSide(name: string, file: RawFile): Side {
  return {
    name,
    async round(singleOpUs) {
      let position = 0;
      let ops = 0;
      const start = performance.now();
      while (position < file.size) {
        const t0 = performance.now();
        const { bytesRead } = await readAsync(file.fd, Buffer.allocUnsafe(MIB), 0, MIB, position);
        singleOpUs.push((performance.now() - t0) * 1000);
        if (bytesRead === 0) throw new Error(`read at ${position} returned nothing`);
        position += bytesRead;
        ops++;
      }
      return { ops, bytes: position, elapsedUs: (performance.now() - start) * 1000 };
    },
  };
}

function flushSide(name: string, log: PartitionLog, batch: Buffer): Side {
  return {
    name,
    async round(singleOpUs) {
      const start = performance.now();
      for (let i = 0; i < FSYNC_OPS_PER_ROUND; i++) {
        const t0 = performance.now();
        log.append(batch, LEADER_EPOCH);
        await log.flush();
        singleOpUs.push((performance.now() - t0) * 1000);
      }
      return { ops: FSYNC_OPS_PER_ROUND, bytes: FSYNC_OPS_PER_ROUND * batch.length, elapsedUs: (performance.now() - start) * 1000 };
    },
  };
}

function rawFsyncSide(name: string, file: RawFile, batch: Buffer): Side {
  return {
    name,
    async round(singleOpUs) {
      const start = performance.now();
      for (let i = 0; i < FSYNC_OPS_PER_ROUND; i++) {
        const t0 = performance.now();
        writeFully(file, batch);
        await fdatasyncAsync(file.fd);
        singleOpUs.push((performance.now() - t0) * 1000);
      }
      return { ops: FSYNC_OPS_PER_ROUND, bytes: FSYNC_OPS_PER_ROUND * batch.length, elapsedUs: (performance.now() - start) * 1000 };
    },
  };
}

/** Lets callbacks of background work (a roll's flush) run between rounds, as they would between requests. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Rounds of every side in turn, the order rotating each round. The last side is the baseline;
 * every other side's ratio is taken to it. Rows come back in the order of `sides`.
 */
async function compare(sides: readonly Side[], rounds: number): Promise<Measurement[]> {
  const count = sides.length;
  const perOpUs = sides.map((): number[] => []);
  const singleOpUs = sides.map((): number[] => []);
  const bytesPerOp = sides.map(() => 0);
  for (let r = 0; r < WARMUP_ROUNDS + rounds; r++) {
    const isWarmup = r < WARMUP_ROUNDS;
    for (let k = 0; k < count; k++) {
      const i = (r + k) % count;
      const result = await sides[i]!.round(isWarmup ? [] : singleOpUs[i]!);
      await yieldToEventLoop();
      if (isWarmup) continue;
      perOpUs[i]!.push(result.elapsedUs / result.ops);
      bytesPerOp[i] = result.bytes / result.ops;
    }
  }
  const last = count - 1;
  const baseline = summarize(sides[last]!.name, bytesPerOp[last]!, perOpUs[last]!, singleOpUs[last]!);
  return sides.map((side, i) => (i === last ? baseline : { ...summarize(side.name, bytesPerOp[i]!, perOpUs[i]!, singleOpUs[i]!), baseline }));
}

interface Scenario {
  readonly batch: Buffer;
  readonly partitions: number;
  readonly logs: PartitionLog[];
  /** The baseline's files, one per partition. */
  readonly files: RawFile[];
  /** The files of the baseline that also checks each batch's CRC. */
  readonly crcFiles: RawFile[];
}

function formatSize(bytes: number): string {
  return bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / KIB} KiB`;
}

function scenarioLabel(s: Scenario): string {
  return `${formatSize(Math.round(s.batch.length / KIB) * KIB)} batches, ${s.partitions} partition${s.partitions > 1 ? 's' : ''}`;
}

/**
 * Writes and deletes `bytes` of scratch file just before a measurement, so the pages its writes
 * land in have been touched. Where the host backs guest memory lazily and takes freed pages back
 * (a VM with free page reporting), every first touch is a host fault costing more than the copy
 * itself; without this the figures would measure the hypervisor, and hide Samsa's own costs.
 * On bare metal it only costs the time to write the scratch file.
 */
function prefaultPageCache(dir: string, bytes: number): void {
  const chunk = Buffer.alloc(MIB, 1);
  const file = openRawFile(dir, 'prefault.bin');
  try {
    while (file.size < bytes) writeFully(file, chunk);
  } finally {
    closeSync(file.fd);
    rmSync(join(dir, 'prefault.bin'), { force: true });
  }
}

/** A roll flushes the old segment in the background; its log must not be deleted under it. */
async function awaitBackgroundFlushes(logs: readonly PartitionLog[]): Promise<void> {
  while (logs.some((log) => log.recoveryPoint < log.activeSegment.baseOffset)) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Appends (one and eight partitions), then reads of the one-partition log, for one batch size. */
async function runBatchSize(manager: LogManager, dir: string, batch: Buffer, appendRows: Measurement[], readRows: Measurement[]): Promise<void> {
  const label = batch.length >= MIB / 2 ? '1m' : '64k';
  const scenarios: Scenario[] = [1, 8].map((partitions) => ({
    batch,
    partitions,
    logs: Array.from({ length: partitions }, (_, p) => manager.createLog(`append-${label}-${partitions}p`, p, TOPIC_ID)),
    files: Array.from({ length: partitions }, (_, p) => openRawFile(dir, `raw-${label}-${partitions}p-${p}.bin`)),
    crcFiles: Array.from({ length: partitions }, (_, p) => openRawFile(dir, `raw-${label}-${partitions}p-${p}-crc.bin`)),
  }));
  try {
    const opsPerRound = Math.round(ROUND_BYTES / batch.length);
    for (const s of scenarios) {
      prefaultPageCache(dir, 3 * (WARMUP_ROUNDS + APPEND_ROUNDS) * ROUND_BYTES);
      appendRows.push(...await compare([
        appendSide(`PartitionLog.append, ${scenarioLabel(s)}`, s.logs, batch, opsPerRound),
        rawAppendSide('  raw CRC32C check + writeSync (the least a validating append pays)', s.crcFiles, batch, opsPerRound, true),
        rawAppendSide(`  raw writeSync, ${scenarioLabel(s)}`, s.files, batch, opsPerRound, false),
      ], APPEND_ROUNDS));
    }
    const single = scenarios[0]!;
    const log = single.logs[0]!;
    const file = single.files[0]!;
    if (log.sizeInBytes !== file.size) throw new Error(`log ${log.name} holds ${log.sizeInBytes} bytes, its baseline file ${file.size}`);
    readRows.push(...await compare([
      readSide(`PartitionLog.read 1 MiB, ${scenarioLabel(single)}, ${(file.size / MIB).toFixed(0)} MiB in ${log.segments.length} segments`, log),
      rawReadSide('  raw fs.read 1 MiB chunks, same size', file),
    ], READ_ROUNDS));
  } finally {
    for (const s of scenarios) {
      await awaitBackgroundFlushes(s.logs);
      for (const log of s.logs) await manager.deleteLog(log.topic, log.partition);
      for (const file of [...s.files, ...s.crcFiles]) closeSync(file.fd);
    }
    for (const name of readdirSync(dir)) if (name.startsWith(`raw-${label}-`)) rmSync(join(dir, name));
  }
}

async function runFsync(manager: LogManager, dir: string, batch: Buffer): Promise<Measurement[]> {
  const log = manager.createLog('fsync', 0, TOPIC_ID);
  const file = openRawFile(dir, 'raw-fsync.bin');
  try {
    prefaultPageCache(dir, 2 * (WARMUP_ROUNDS + FSYNC_ROUNDS) * FSYNC_OPS_PER_ROUND * MIB);
    return await compare([
      flushSide('append 1 MiB + PartitionLog.flush()', log, batch),
      rawFsyncSide('  raw writeSync 1 MiB + fdatasync', file, batch),
    ], FSYNC_ROUNDS);
  } finally {
    closeSync(file.fd);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-storage-'));
  try {
    const manager = LogManager.open({
      logDirs: [join(dir, 'logs')],
      defaultConfig: logConfigWith(DEFAULT_LOG_CONFIG, { 'segment.bytes': String(SEGMENT_BYTES) }),
    });
    const batches = [makeBatch(64 * KIB), makeBatch(MIB)];
    console.log(`storage bench, ${environment()}, ${machine()}, commit ${commit()}`);
    console.log(`temp dir ${dir}; segment.bytes ${formatSize(SEGMENT_BYTES)} (default 1 GiB, lowered so the one-partition logs roll); batches of ${batches.map((b) => `${b.length} B`).join(' and ')}, 1 KiB records`);

    const appendRows: Measurement[] = [];
    const readRows: Measurement[] = [];
    for (const batch of batches) await runBatchSize(manager, dir, batch, appendRows, readRows);
    const fsyncRows = await runFsync(manager, dir, batches[1]!);

    printTable(`append: ${formatSize(ROUND_BYTES)} per round per side, median of ${APPEND_ROUNDS} rounds; p99 of single appends`, appendRows, undefined, { opsPerSecLabel: 'batches/s' });
    printTable(`sequential read of the whole log (page cache): median of ${READ_ROUNDS} walks; p99 of single reads`, readRows, undefined, { opsPerSecLabel: 'reads/s' });
    printTable(`fsync per MiB (informational): ${FSYNC_OPS_PER_ROUND} per round, median of ${FSYNC_ROUNDS} rounds`, fsyncRows, undefined, { opsPerSecLabel: 'ops/s' });
    const samsaRows = appendRows.filter((m) => m.name.startsWith('PartitionLog'));
    const ratios = samsaRows.map((m) => m.mbPerSec / m.baseline!.mbPerSec);
    const toCrcFloor = samsaRows.map((m) => m.mbPerSec / appendRows[appendRows.indexOf(m) + 1]!.mbPerSec);
    const range = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}×`;
    const measured = 2 * 2 * 3 * (WARMUP_ROUNDS + APPEND_ROUNDS) * ROUND_BYTES + 2 * (WARMUP_ROUNDS + FSYNC_ROUNDS) * FSYNC_OPS_PER_ROUND * MIB;
    console.log(`\nPartitionLog.append: ${range(ratios)} of raw writeSync (goal 0.80×), ${range(toCrcFloor)} of raw CRC32C check + writeSync`);
    console.log(`${(measured / 1e9).toFixed(1)} GB written by the measurements, as much again to pre-fault pages`);
    for (const log of [...manager.allLogs()]) await manager.deleteLog(log.topic, log.partition);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
