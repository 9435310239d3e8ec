/**
 * LogManager: owns every partition log in every directory of `log.dirs`.
 *
 * Per log directory (Kafka's layout): one sub-directory per partition, `<topic>-<partition>`;
 * `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint` and
 * `replication-offset-checkpoint` (high watermarks); `.kafka_cleanshutdown`, present only while
 * the broker is stopped cleanly; `.lock`, naming the process that owns the directory, so two
 * brokers never share one.
 *
 * A directory whose writes fail goes offline: its logs answer KAFKA_STORAGE_ERROR from then on
 * and it is never written again in this process, so nothing half-written is served.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { KafkaError } from '../protocol/error-codes.js';
import { readOffsetCheckpoint, writeCheckpoint, writeFileAtomically } from './checkpoint-file.js';
import { FileHandleCache } from './file-handle-cache.js';
import { LogCleaner, type LogCleanerOptions, type LogCleaningResult } from './log-cleaner.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.js';
import { loadPartitionLog } from './log-loader.js';
import type { LogSegment } from './log-segment.js';
import type { PartitionLog, PartitionLogContext } from './partition-log.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const LOCK_FILE = '.lock';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
const DELETE_DIR_SUFFIX = '-delete';
/** Kafka's log.flush.offset.checkpoint.interval.ms default: how stale a recovery point may get. */
const CHECKPOINT_INTERVAL_MS = 60_000;
const PARTITION_DIR = /^(.+)-(\d+)$/;

/** The slice of a pino logger the storage layer uses. */
export interface StorageLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SILENT: StorageLogger = { info() {}, warn() {}, error() {} };

export interface LogManagerOptions {
  readonly logDirs: readonly string[];
  /** Broker-level defaults every topic starts from. */
  readonly defaultConfig?: LogConfig;
  /** Per-topic overrides already merged over the defaults, by topic name. */
  readonly topicConfigs?: ReadonlyMap<string, LogConfig>;
  readonly clock?: () => number;
  /** Bound on open segment files across all logs. */
  readonly maxOpenFiles?: number;
  readonly logger?: StorageLogger;
  /** Log compaction settings. */
  readonly cleaner?: LogCleanerOptions;
}

interface PendingDeletion {
  readonly dueMs: number;
  readonly paths: readonly string[];
}

/** Directories locked by this process (a second LogManager here must not take them either). */
const LOCKED_HERE = new Set<string>();

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockDirectory(dir: string): void {
  const path = join(dir, LOCK_FILE);
  if (LOCKED_HERE.has(dir)) throw new Error(`log directory ${dir} is already in use by this process; give each broker its own log.dirs`);
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processIsAlive(pid)) {
      throw new Error(`log directory ${dir} is locked by running process ${pid}; stop that broker or choose other log.dirs`);
    }
  }
  writeFileSync(path, `${process.pid}\n`);
  LOCKED_HERE.add(dir);
}

function unlockDirectory(dir: string): void {
  LOCKED_HERE.delete(dir);
  rmSync(join(dir, LOCK_FILE), { force: true });
}

export class LogManager {
  readonly logDirs: readonly string[];
  readonly offlineDirs = new Set<string>();
  private readonly logs = new Map<string, PartitionLog>();
  private readonly handles: FileHandleCache;
  private readonly clock: () => number;
  private readonly logger: StorageLogger;
  private readonly defaultConfig: LogConfig;
  private readonly topicConfigs: Map<string, LogConfig>;
  private readonly pendingDeletions: PendingDeletion[] = [];
  private readonly context: PartitionLogContext;
  private closed = false;
  /** Compacts logs whose cleanup.policy includes `compact`. */
  readonly cleaner: LogCleaner;
  private lastCheckpointMs = 0;

  private constructor(options: LogManagerOptions) {
    if (options.logDirs.length === 0) throw new Error('log.dirs names no directory; set at least one');
    this.logDirs = options.logDirs.map((d) => resolve(d));
    this.handles = new FileHandleCache(options.maxOpenFiles ?? 1000);
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? SILENT;
    this.defaultConfig = options.defaultConfig ?? DEFAULT_LOG_CONFIG;
    this.topicConfigs = new Map(options.topicConfigs ?? []);
    this.context = {
      handles: this.handles,
      clock: this.clock,
      onStorageError: (dir, error) => this.onStorageError(dir, error),
    };
    this.cleaner = new LogCleaner({
      logs: () => this.logs.values(),
      isOpen: (log) => this.logs.get(log.name) === log,
      context: this.context,
      logger: this.logger,
      scheduleDeletion: (paths, dueMs) => this.pendingDeletions.push({ dueMs, paths }),
    }, options.cleaner);
  }

  /** Locks every directory and loads every partition in it (recovering after a crash). */
  static open(options: LogManagerOptions): LogManager {
    const manager = new LogManager(options);
    const locked: string[] = [];
    try {
      for (const dir of manager.logDirs) {
        mkdirSync(dir, { recursive: true });
        lockDirectory(dir);
        locked.push(dir);
        manager.loadDirectory(dir);
      }
    } catch (err) {
      for (const dir of locked) unlockDirectory(dir);
      manager.handles.closeAll();
      throw err;
    }
    return manager;
  }

  private loadDirectory(logDir: string): void {
    const cleanMarker = join(logDir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = existsSync(cleanMarker);
    const recoveryPoints = readOffsetCheckpoint(join(logDir, RECOVERY_POINT_CHECKPOINT));
    const logStartOffsets = readOffsetCheckpoint(join(logDir, LOG_START_OFFSET_CHECKPOINT));
    const highWatermarks = readOffsetCheckpoint(join(logDir, REPLICATION_OFFSET_CHECKPOINT));
    for (const name of readdirSync(logDir)) {
      const path = join(logDir, name);
      if (!statSync(path).isDirectory()) continue;
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      const match = PARTITION_DIR.exec(name);
      if (!match) continue;
      const topic = match[1]!;
      const partition = Number(match[2]);
      const { log, truncatedBytes, recoveredSegments } = loadPartitionLog({
        dir: path, topic, partition, topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        config: this.configFor(topic), context: this.context, hadCleanShutdown,
        recoveryPoint: recoveryPoints.get(name) ?? 0,
        logStartOffset: logStartOffsets.get(name) ?? 0,
      });
      const hw = highWatermarks.get(name);
      if (hw !== undefined) log.updateHighWatermark(hw);
      if (!hadCleanShutdown) {
        this.logger.info({ partition: name, recoveredSegments, truncatedBytes, logEndOffset: log.logEndOffset }, 'recovered partition after an unclean shutdown');
      }
      this.logs.set(name, log);
    }
    // From now on a crash must be detected at the next start.
    rmSync(cleanMarker, { force: true });
  }

  configFor(topic: string): LogConfig {
    return this.topicConfigs.get(topic) ?? this.defaultConfig;
  }

  /** Applies a topic's new effective config to its logs (AlterConfigs). */
  setTopicConfig(topic: string, config: LogConfig): void {
    this.topicConfigs.set(topic, config);
    for (const log of this.logs.values()) if (log.topic === topic) log.config = config;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(`${topic}-${partition}`);
  }

  allLogs(): IterableIterator<PartitionLog> {
    return this.logs.values();
  }

  /** Creates (or returns the existing) log of a partition, in the online directory holding the fewest. */
  createLog(topic: string, partition: number, topicId: string): PartitionLog {
    const name = `${topic}-${partition}`;
    const existing = this.logs.get(name);
    if (existing) return existing;
    const dir = this.chooseDirectory();
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    const { log } = loadPartitionLog({
      dir: path, topic, partition, topicId, config: this.configFor(topic), context: this.context,
      hadCleanShutdown: true, recoveryPoint: 0, logStartOffset: 0,
    });
    this.logs.set(name, log);
    return log;
  }

  private chooseDirectory(): string {
    const counts = new Map(this.logDirs.filter((d) => !this.offlineDirs.has(d)).map((d) => [d, 0]));
    if (counts.size === 0) throw new Error('every log directory is offline');
    for (const log of this.logs.values()) {
      for (const dir of counts.keys()) if (log.dir.startsWith(dir + '/')) counts.set(dir, counts.get(dir)! + 1);
    }
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  /** Removes a partition's log: its directory is renamed `*-delete` at once and removed in the background. */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const name = `${topic}-${partition}`;
    const log = this.logs.get(name);
    if (!log) return;
    this.logs.delete(name);
    log.close();
    const doomed = `${log.dir}.${randomBytes(8).toString('hex')}${DELETE_DIR_SUFFIX}`;
    renameSync(log.dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  private onStorageError(dir: string, error: KafkaError): void {
    const logDir = this.logDirs.find((d) => dir === d || dir.startsWith(d + '/'));
    if (!logDir || this.offlineDirs.has(logDir)) return;
    this.offlineDirs.add(logDir);
    for (const log of this.logs.values()) if (log.dir.startsWith(logDir + '/')) log.offline = true;
    this.logger.error({ logDir, err: error.message }, 'log directory failed and is now offline; replace the disk or free space, then restart the broker');
  }

  /**
   * Periodic work: retention, `flush.ms` flushes and removal of segments whose
   * `file.delete.delay.ms` has passed. The broker calls it on a timer; tests call it directly.
   * It also starts a compaction pass without waiting for it (see runCleaner).
   */
  async runMaintenance(now = this.clock()): Promise<void> {
    for (const log of this.logs.values()) {
      if (log.offline) continue;
      try {
        const removed = log.deleteRetainedSegments(now);
        if (removed.length > 0) this.scheduleDeletion(log, removed, now);
        if (log.shouldFlushByTime(now)) await log.flush();
      } catch (err) {
        this.logger.warn({ partition: log.name, err: (err as Error).message }, 'log maintenance failed');
      }
    }
    void this.cleaner.run(now);
    await this.deleteDueFiles(now);
    if (now - this.lastCheckpointMs >= CHECKPOINT_INTERVAL_MS) {
      this.lastCheckpointMs = now;
      try {
        this.checkpoint();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'writing offset checkpoints failed; recovery after a crash will re-scan more');
      }
    }
  }

  /**
   * One compaction pass over every log that needs it; resolves when it is done (a call during a
   * pass returns that pass). Failures are logged and mark the log uncleanable, never thrown.
   */
  runCleaner(now = this.clock()): Promise<LogCleaningResult[]> {
    return this.cleaner.run(now);
  }

  private scheduleDeletion(log: PartitionLog, segments: readonly LogSegment[], now: number): void {
    const paths = segments.flatMap((s) => s.markDeleted());
    this.pendingDeletions.push({ dueMs: now + log.config.fileDeleteDelayMs, paths });
    this.logger.info({ partition: log.name, segments: segments.map((s) => s.baseOffset), logStartOffset: log.logStartOffset }, 'deleted segments by retention');
  }

  private async deleteDueFiles(now: number): Promise<void> {
    for (let i = this.pendingDeletions.length - 1; i >= 0; i--) {
      const pending = this.pendingDeletions[i]!;
      if (pending.dueMs > now) continue;
      this.pendingDeletions.splice(i, 1);
      await Promise.all(pending.paths.map((p) => rm(p, { force: true })));
    }
  }

  /** Writes recovery points, log start offsets and high watermarks of every online directory. */
  checkpoint(): void {
    for (const dir of this.logDirs) {
      if (!this.offlineDirs.has(dir)) this.checkpointDirectory(dir);
    }
  }

  private checkpointDirectory(dir: string): void {
    const logs = [...this.logs.values()].filter((l) => l.dir.startsWith(dir + '/'));
    writeCheckpoint(join(dir, RECOVERY_POINT_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.recoveryPoint]));
    writeCheckpoint(join(dir, LOG_START_OFFSET_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.logStartOffset]));
    writeCheckpoint(join(dir, REPLICATION_OFFSET_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.highWatermark]));
  }

  /**
   * Clean shutdown: every log flushed and checkpointed, the clean marker written, the lock released.
   * A directory where any of that failed gets no clean marker, so the next start recovers it
   * instead of trusting files that may not be whole; locks and descriptors are released regardless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unclean = new Set<string>();
    const logDirOf = (path: string): string | undefined => this.logDirs.find((d) => path.startsWith(d + '/'));
    try {
      await this.cleaner.shutdown();
      for (const log of this.logs.values()) {
        if (log.offline) continue;
        try {
          await log.flush();
          log.close();
        } catch (err) {
          const dir = logDirOf(log.dir);
          if (dir !== undefined) unclean.add(dir);
          this.logger.error({ partition: log.name, err: (err as Error).message }, 'flush at shutdown failed; the next start recovers this directory');
        }
      }
      for (const dir of this.logDirs) {
        if (this.offlineDirs.has(dir)) continue;
        try {
          this.checkpointDirectory(dir);
        } catch (err) {
          unclean.add(dir);
          this.logger.error({ logDir: dir, err: (err as Error).message }, 'writing checkpoints at shutdown failed; the next start recovers this directory');
        }
      }
      await this.deleteDueFiles(Number.MAX_SAFE_INTEGER);
      for (const dir of this.logDirs) {
        if (this.offlineDirs.has(dir) || unclean.has(dir)) continue;
        try {
          writeFileAtomically(join(dir, CLEAN_SHUTDOWN_FILE), '');
        } catch (err) {
          this.logger.error({ logDir: dir, err: (err as Error).message }, 'writing the clean-shutdown marker failed; the next start recovers this directory');
        }
      }
    } finally {
      for (const dir of this.logDirs) unlockDirectory(dir);
      this.handles.closeAll();
    }
  }
}
