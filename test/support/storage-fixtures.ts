/**
 * Helpers for storage tests: temp log directories, a movable clock, batches of known records,
 * and a "crash image" (a copy of a log directory's files as they stand, which is what a process
 * kill leaves behind, since every acknowledged write is already in the OS's page cache).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import { DEFAULT_LOG_CONFIG, type LogConfig, logConfigWith } from '../../src/storage/log-config.js';
import { LogManager, type LogManagerOptions } from '../../src/storage/log-manager.js';

export class ManualClock {
  constructor(public nowMs = 1_700_000_000_000) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

type TestContext = { after(fn: () => void | Promise<void>): void };

interface Cleanup {
  readonly dirs: string[];
  readonly managers: LogManager[];
}

const CLEANUPS = new WeakMap<TestContext, Cleanup>();

/** One after-hook per test: close its managers first, then remove its directories. */
function cleanupOf(t: TestContext): Cleanup {
  let cleanup = CLEANUPS.get(t);
  if (!cleanup) {
    const created: Cleanup = { dirs: [], managers: [] };
    cleanup = created;
    CLEANUPS.set(t, created);
    t.after(async () => {
      for (const m of created.managers) await m.close();
      for (const d of created.dirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return cleanup;
}

export function tempDir(t: TestContext, prefix = 'samsa-storage-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanupOf(t).dirs.push(dir);
  return dir;
}

export function config(overrides: Record<string, string> = {}): LogConfig {
  return logConfigWith(DEFAULT_LOG_CONFIG, overrides);
}

/** A batch of `count` records whose values are `${prefix}-${i}`, keyed `k${i % keys}`. */
export function batchOf(count: number, prefix: string, timestamp: number, options: { keys?: number; compression?: 0 | 1 | 2 | 3 | 4 } = {}): Buffer {
  const keys = options.keys ?? count;
  return encodeRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`k${i % keys}`),
      value: Buffer.from(`${prefix}-${i}`),
      timestamp: timestamp + i,
    })),
    compression: options.compression ?? 0,
  });
}

/** Every record value in `records` (whole batches), in order, with its offset. */
export function valuesOf(records: Buffer): { offset: number; value: string }[] {
  return decodeRecordBatches(records).flatMap((b) => b.records.map((r) => ({ offset: r.offset, value: r.value ? r.value.toString() : '<null>' })));
}

export function crashImage(t: TestContext, dir: string): string {
  const copy = tempDir(t, 'samsa-crash-');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

/**
 * Opens a LogManager on `dir`, closed when the test ends (before its directories go); `options`
 * adds to or overrides the manager's options (more log dirs, maxOpenFiles, a logger).
 */
export function openManager(
  t: TestContext, dir: string, clock: ManualClock, defaultConfig: LogConfig = DEFAULT_LOG_CONFIG, options: Partial<LogManagerOptions> = {},
): LogManager {
  const manager = LogManager.open({ logDirs: [dir], clock: clock.now, defaultConfig, ...options });
  cleanupOf(t).managers.push(manager);
  return manager;
}
