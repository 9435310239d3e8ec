/**
 * A child process for the storage-fault test, run inside `unshare -Urm` on a small private tmpfs
 * mounted at argv[2] (it vanishes with the child's mount namespace, so the child checks
 * everything itself): it appends to two partitions until an append fails for want of space, then
 * probes the failed manager, frees a little space, reopens the directory and reads back what is
 * there. It prints one line, `result <json>` (see EnospcReport).
 *
 * Scenarios vary what is being written when the space runs out: `segments` (large batches into
 * large segments), `epochs` (every append starts a leader epoch, so the leader-epoch-checkpoint is
 * rewritten each time), `rolls` (small segments, so segment files and indexes are created often).
 *
 * Usage: node enospc-child.js <tmpfsDir> <scenario>
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KafkaError } from '../../src/protocol/error-codes.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import { DEFAULT_LOG_CONFIG, logConfigWith } from '../../src/storage/log-config.js';
import { LogManager } from '../../src/storage/log-manager.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';

export interface ErrorReport {
  readonly name: string;
  /** KafkaError's error code, or the errno code (`ENOSPC`) of anything else. */
  readonly code: number | string | null;
  readonly message: string;
}

export interface EnospcReport {
  readonly scenario: string;
  /** Every append that returned, in order. */
  readonly acked: { partition: number; firstOffset: number; lastOffset: number; sequence: number; count: number }[];
  /** The append that failed. */
  readonly failure: ErrorReport | null;
  readonly failedSequence: number;
  readonly failedPartition: number;
  readonly offlineDirs: string[];
  /** Per partition, what a further append and a read answer on the failed manager. */
  readonly probes: { append: ErrorReport | null; read: ErrorReport | null }[];
  readonly close: ErrorReport | null;
  /** Per partition, every record value after reopening the directory with some space freed. */
  readonly recovered: { offset: number; value: string }[][];
  readonly reopen: ErrorReport | null;
}

export const ENOSPC_SCENARIOS: Record<string, { config: Record<string, string>; valueBytes: number; recordsPerBatch: number; epochEvery: number }> = {
  segments: { config: { 'segment.bytes': '65536' }, valueBytes: 700, recordsPerBatch: 8, epochEvery: 1_000_000 },
  epochs: { config: { 'segment.bytes': '65536' }, valueBytes: 300, recordsPerBatch: 3, epochEvery: 1 },
  rolls: { config: { 'segment.bytes': '6000', 'index.interval.bytes': '100' }, valueBytes: 200, recordsPerBatch: 4, epochEvery: 7 },
};

export const ENOSPC_PARTITIONS = 2;

export function enospcValue(sequence: number, i: number, valueBytes: number): string {
  return `s${sequence}-${i}-`.padEnd(valueBytes, 'x');
}

function report(err: unknown): ErrorReport {
  if (err instanceof KafkaError) return { name: err.name, code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  return { name: e?.name ?? 'unknown', code: e?.code ?? null, message: e?.message ?? String(err) };
}

async function readValues(log: PartitionLog): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    if (data.records.length === 0) break;
    for (const batch of decodeRecordBatches(data.records)) for (const r of batch.records) out.push({ offset: r.offset, value: r.value?.toString() ?? '' });
    offset = data.nextOffset;
  }
  return out;
}

async function main(): Promise<void> {
  const [dir, scenarioName] = process.argv.slice(2);
  const scenario = ENOSPC_SCENARIOS[scenarioName ?? ''];
  if (dir === undefined || scenario === undefined) throw new Error(`usage: enospc-child.js <tmpfsDir> <${Object.keys(ENOSPC_SCENARIOS).join('|')}>`);
  // Space to give back before reopening: a full device cannot even take the lock file.
  const ballast = join(dir, 'ballast');
  writeFileSync(ballast, Buffer.alloc(64 * 1024, 1));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const config = logConfigWith(DEFAULT_LOG_CONFIG, scenario.config);
  const manager = LogManager.open({ logDirs: [logDir], defaultConfig: config });
  const logs = Array.from({ length: ENOSPC_PARTITIONS }, (_, p) => manager.createLog('full', p, 'AAAAAAAAAAAAAAAAAAAAAw'));
  const acked: EnospcReport['acked'] = [];
  let failure: ErrorReport | null = null;
  let sequence = 0;
  let epoch = 0;
  for (; sequence < 100_000 && failure === null; sequence++) {
    const partition = sequence % ENOSPC_PARTITIONS;
    if (sequence % scenario.epochEvery === 0) epoch++;
    const batch = encodeRecordBatch({
      records: Array.from({ length: scenario.recordsPerBatch }, (_, i) => ({ key: null, value: Buffer.from(enospcValue(sequence, i, scenario.valueBytes)), timestamp: Date.now() })),
    });
    try {
      const info = logs[partition]!.append(batch, epoch);
      acked.push({ partition, firstOffset: info.firstOffset, lastOffset: info.lastOffset, sequence, count: scenario.recordsPerBatch });
    } catch (err) {
      failure = report(err);
      break;
    }
  }
  const probes: EnospcReport['probes'] = [];
  for (const log of logs) {
    let append: ErrorReport | null = null;
    let read: ErrorReport | null = null;
    try {
      log.append(encodeRecordBatch({ records: [{ key: null, value: Buffer.from('probe') }] }), epoch);
    } catch (err) {
      append = report(err);
    }
    try {
      await log.read(log.logStartOffset, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    } catch (err) {
      read = report(err);
    }
    probes.push({ append, read });
  }
  const offlineDirs = [...manager.offlineDirs];
  let close: ErrorReport | null = null;
  try {
    await manager.close();
  } catch (err) {
    close = report(err);
  }
  rmSync(ballast);
  const recovered: EnospcReport['recovered'] = [];
  let reopen: ErrorReport | null = null;
  try {
    const again = LogManager.open({ logDirs: [logDir], defaultConfig: config });
    for (let p = 0; p < ENOSPC_PARTITIONS; p++) recovered.push(await readValues(again.getLog('full', p)!));
    await again.close();
  } catch (err) {
    reopen = report(err);
  }
  const result: EnospcReport = {
    scenario: scenarioName!, acked, failure, failedSequence: sequence, failedPartition: sequence % ENOSPC_PARTITIONS, offlineDirs, probes, close, recovered, reopen,
  };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
