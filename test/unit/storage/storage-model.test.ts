/**
 * Model-based test of the storage engine: random command sequences (appends of random batches with
 * every codec and growing leader epochs, reads with random bounds, truncation, DeleteRecords,
 * rolls, flushes, checkpoints, retention by time and by size, clean restarts and crash restarts)
 * run against a LogManager and against StorageModel, and after every command the log must agree
 * with the model: its offsets, every record (offset, value, timestamp, epoch) read back, the leader
 * epoch cache, the segments' sizes, and no segment file left behind.
 *
 * Settings are small (segment.bytes of a few hundred bytes, an index entry every few batches, a
 * handful of index entries per segment, one to a few open files) so rolls, index lookups, index-full
 * rolls and descriptor evictions happen all the time. Flushes triggered by flush.messages run in the
 * background while later commands go on, as they do in the broker.
 *
 * A crash restart copies the directory as it stands (what a process kill leaves: every
 * acknowledged write is in the page cache), drops the old manager and opens the copy. Nothing
 * acknowledged may be lost; logStartOffset and the high watermark may fall back to their last
 * checkpoint, as Kafka's do.
 *
 * Runs are seeded (SAMSA_STORAGE_SEED to explore another seed, SAMSA_STORAGE_RUNS for more runs);
 * every sequence that once failed is kept in REGRESSIONS, shrunk, and runs first. One race the
 * sequential commands cannot reach (a read outliving its segment's truncation) is a test of its own.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import { decodeRecordBatches, encodeRecordBatch, type RecordBatch } from '../../../src/protocol/record-batch/index.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import { APPEND_FROM_REPLICATION, type PartitionLog } from '../../../src/storage/partition-log.js';
import { ManualClock, config, openManager, tempDir } from '../../support/storage-fixtures.js';
import { type BatchShape, type ModelBatch, StorageModel, encodeAppend } from '../../support/storage-model.js';

const SEED = Number(process.env['SAMSA_STORAGE_SEED'] ?? 20250611);
const RUNS = Number(process.env['SAMSA_STORAGE_RUNS'] ?? 200);
const MAX_COMMANDS = 40;
const TOPIC = 'orders';
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const UNBOUNDED = Number.MAX_SAFE_INTEGER;
/** LogManager.runMaintenance writes the offset checkpoints at most this often. */
const CHECKPOINT_INTERVAL_MS = 60_000;

interface Settings {
  readonly segmentBytes: number;
  readonly indexIntervalBytes: number;
  readonly segmentIndexBytes: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly maxOpenFiles: number;
  /** message.timestamp.type=LogAppendTime: client batches are stamped with the append time. */
  readonly logAppendTime: boolean;
}

/** Positions (`at`) are per mille of a range the log's current offsets decide when the command runs. */
type Command =
  | { readonly kind: 'append'; readonly batches: readonly BatchShape[]; readonly newEpoch: boolean; readonly advanceMs: number }
  | { readonly kind: 'replicate'; readonly batches: readonly BatchShape[]; readonly newEpoch: boolean; readonly gap: number }
  | { readonly kind: 'read'; readonly at: number; readonly maxBytes: number; readonly minOneBatch: boolean; readonly bound: number }
  | { readonly kind: 'listOffsets'; readonly at: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'highWatermark'; readonly at: number }
  | { readonly kind: 'deleteRecords'; readonly at: number }
  | { readonly kind: 'roll' }
  | { readonly kind: 'flush' }
  | { readonly kind: 'checkpoint' }
  | { readonly kind: 'retention'; readonly byTime: boolean; readonly advanceMs: number; readonly limit: number }
  | { readonly kind: 'restart'; readonly crash: boolean };

const settingsArb: fc.Arbitrary<Settings> = fc.record({
  segmentBytes: fc.constantFrom(400, 900, 2000),
  indexIntervalBytes: fc.constantFrom(0, 40, 150, 4096),
  segmentIndexBytes: fc.constantFrom(24, 80, 1 << 20),
  flushMessages: fc.constantFrom(3, 25, UNBOUNDED),
  flushMs: fc.constantFrom(500, UNBOUNDED),
  maxOpenFiles: fc.constantFrom(1, 3, 50),
  logAppendTime: fc.boolean(),
});

const batchShapeArb: fc.Arbitrary<BatchShape> = fc.record({
  records: fc.integer({ min: 1, max: 6 }),
  valueBytes: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 10 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 1 }),
  compression: fc.constantFrom(0, 0, 1, 2, 3, 4) as fc.Arbitrary<0 | 1 | 2 | 3 | 4>,
  skewMs: fc.integer({ min: -3000, max: 3000 }),
});

const at = fc.integer({ min: 0, max: 1000 });

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('append' as const), batches: fc.array(batchShapeArb, { minLength: 1, maxLength: 3 }), newEpoch: fc.boolean(), advanceMs: fc.integer({ min: 0, max: 2000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replicate' as const), batches: fc.array(batchShapeArb, { minLength: 1, maxLength: 3 }), newEpoch: fc.boolean(), gap: fc.constantFrom(0, 0, 1, 3) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('read' as const), at, maxBytes: fc.integer({ min: 0, max: 2500 }), minOneBatch: fc.boolean(), bound: at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('listOffsets' as const), at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('highWatermark' as const), at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteRecords' as const), at }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retention' as const), byTime: fc.boolean(), advanceMs: fc.integer({ min: 0, max: 20_000 }), limit: fc.integer({ min: 0, max: 4000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), crash: fc.boolean() }) },
);

/** Maps a per-mille position onto [lo, hi]. */
function pick(perMille: number, lo: number, hi: number): number {
  return lo + Math.round(((hi - lo) * perMille) / 1000);
}

function isCode(code: number) {
  return (err: unknown): boolean => err instanceof KafkaError && err.code === code;
}

/** A LogManager over a directory that crash restarts replace with a copy of it. */
class Subject {
  readonly root = mkdtempSync(join(tmpdir(), 'samsa-model-'));
  readonly clock = new ManualClock();
  readonly baseConfig: LogConfig;
  /** What the manager logged about recovering the partition at its last unclean start. */
  recovery: { recoveredSegments: number; truncatedBytes: number } | null = null;
  /** When the manager last wrote its checkpoints from runMaintenance (it does so once a minute). */
  lastCheckpointMs = 0;
  private generation = 0;
  dir = '';
  manager!: LogManager;
  log!: PartitionLog;

  constructor(readonly settings: Settings) {
    this.baseConfig = config({
      'segment.bytes': String(settings.segmentBytes),
      'index.interval.bytes': String(settings.indexIntervalBytes),
      'segment.index.bytes': String(settings.segmentIndexBytes),
      'flush.messages': String(settings.flushMessages),
      'flush.ms': String(settings.flushMs),
      'retention.ms': '-1',
      'file.delete.delay.ms': '0',
      'message.timestamp.type': settings.logAppendTime ? 'LogAppendTime' : 'CreateTime',
    });
    this.open(this.nextDir());
  }

  private nextDir(): string {
    const dir = join(this.root, `g${this.generation++}`);
    mkdirSync(dir);
    return dir;
  }

  private open(dir: string): void {
    this.dir = dir;
    this.recovery = null;
    this.lastCheckpointMs = 0;
    const record = (obj: object, msg: string): void => {
      if (msg.startsWith('recovered partition')) this.recovery = obj as { recoveredSegments: number; truncatedBytes: number };
    };
    this.manager = LogManager.open({
      logDirs: [dir], clock: this.clock.now, defaultConfig: this.baseConfig, maxOpenFiles: this.settings.maxOpenFiles,
      logger: { info: record, warn() {}, error() {} },
    });
    this.log = this.manager.getLog(TOPIC, 0) ?? this.manager.createLog(TOPIC, 0, TOPIC_ID);
  }

  async restart(crash: boolean): Promise<void> {
    if (crash) {
      const image = this.nextDir();
      cpSync(this.dir, image, { recursive: true });
      await this.manager.close();
      rmSync(this.dir, { recursive: true, force: true });
      this.open(image);
    } else {
      await this.manager.close();
      this.open(this.dir);
    }
  }

  async dispose(): Promise<void> {
    try {
      await this.manager.close();
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }
}

function describeBatch(b: { baseOffset: number; lastOffset: number; epoch: number; records: readonly { offset: number; value: string; timestamp: number }[] }): string {
  return `[${b.baseOffset}-${b.lastOffset} e${b.epoch}] ${b.records.map((r) => `${r.offset}=${r.value.split(':')[0]}@${r.timestamp}`).join(' ')}`;
}

function describeRead(batches: readonly RecordBatch[]): string[] {
  return batches.map((b) => describeBatch({
    baseOffset: b.baseOffset, lastOffset: b.baseOffset + b.lastOffsetDelta, epoch: b.partitionLeaderEpoch,
    records: b.records.map((r) => ({ offset: r.offset, value: r.value ? r.value.toString() : '<null>', timestamp: r.timestamp })),
  }));
}

function describeModel(batches: readonly ModelBatch[]): string[] {
  return batches.map(describeBatch);
}

/** Everything from logStartOffset to logEndOffset, read in as many reads as it takes. */
async function readAll(log: PartitionLog): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const data = await log.read(offset, 1 << 20, UNBOUNDED, true);
    assert.ok(data.records.length > 0, `a read at ${offset} below logEndOffset ${log.logEndOffset} returned nothing`);
    out.push(...decodeRecordBatches(data.records));
    offset = data.nextOffset;
  }
  return out;
}

/** The log agrees with the model: offsets, segments, epochs and every record. */
async function checkAgainstModel(subject: Subject, model: StorageModel): Promise<void> {
  const log = subject.log;
  assert.equal(log.logStartOffset, model.logStartOffset, 'logStartOffset');
  assert.equal(log.logEndOffset, model.logEndOffset, 'logEndOffset');
  assert.equal(log.highWatermark, model.highWatermark, 'highWatermark');
  assert.ok(log.recoveryPoint <= log.logEndOffset, `recoveryPoint ${log.recoveryPoint} is past logEndOffset ${log.logEndOffset}`);
  checkSegments(log, model);
  checkEpochs(log, model);
  assert.deepEqual(describeRead(await readAll(log)), describeModel(model.visibleBatches), 'records read back');
}

function checkSegments(log: PartitionLog, model: StorageModel): void {
  const segments = log.segments;
  assert.ok(segments[0]!.baseOffset <= log.logStartOffset, `first segment ${segments[0]!.baseOffset} starts after logStartOffset ${log.logStartOffset}`);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const upper = i + 1 < segments.length ? segments[i + 1]!.baseOffset : model.logEndOffset;
    assert.ok(s.baseOffset <= upper, `segments ${s.baseOffset} and ${upper} are out of order`);
    if (i + 1 < segments.length) assert.ok(!s.isEmpty, `non-active segment ${s.baseOffset} is empty`);
    assert.equal(s.size, model.bytesIn(s.baseOffset, upper), `size of segment ${s.baseOffset}`);
  }
  // Every file in the partition's directory belongs to a live segment or is one of its two
  // metadata files: a deleted segment's files never come back (a flush or read in flight when it
  // went must not recreate them).
  const live = new Set(['leader-epoch-checkpoint', 'partition.metadata']);
  for (const s of segments) for (const path of [s.logPath, s.indexPath, s.timeIndexPath]) live.add(basename(path));
  const stray = readdirSync(log.dir).filter((name) => !live.has(name));
  assert.deepEqual(stray, [], 'files of no live segment');
  assert.ok(segments.every((s) => existsSync(s.logPath)), 'every segment has its .log file');
}

function checkEpochs(log: PartitionLog, model: StorageModel): void {
  const entries = log.leaderEpochCache.all;
  for (let i = 1; i < entries.length; i++) {
    assert.ok(entries[i]!.epoch > entries[i - 1]!.epoch && entries[i]!.startOffset > entries[i - 1]!.startOffset, `epoch entries ascend: ${JSON.stringify(entries)}`);
  }
  for (const b of model.visibleBatches) {
    const offset = Math.max(b.baseOffset, model.logStartOffset);
    if (offset < model.epochsUnknownBelow) continue;
    let entry: (typeof entries)[number] | undefined;
    for (const e of entries) if (e.startOffset <= offset) entry = e;
    assert.equal(entry?.epoch, b.epoch, `leader epoch of offset ${offset} per ${JSON.stringify(entries)}`);
  }
}

let appendIds = 0;

async function runCommand(subject: Subject, model: StorageModel, command: Command): Promise<void> {
  const log = subject.log;
  const start = model.logStartOffset;
  const end = model.logEndOffset;
  switch (command.kind) {
    case 'append': {
      subject.clock.advance(command.advanceMs);
      if (command.newEpoch) model.epoch++;
      const { buffers, values, timestamps } = encodeAppend(appendIds++, command.batches, subject.clock.nowMs);
      const bytes = buffers.reduce((n, b) => n + b.length, 0);
      if (bytes > subject.settings.segmentBytes) {
        assert.throws(() => log.append(Buffer.concat(buffers), model.epoch), isCode(ErrorCode.RECORD_LIST_TOO_LARGE));
        return;
      }
      const info = log.append(Buffer.concat(buffers), model.epoch);
      // Under LogAppendTime every record reads back with the append time.
      const stamped = subject.settings.logAppendTime ? timestamps.map((ts) => ts.map(() => subject.clock.nowMs)) : timestamps;
      const expected = model.append(buffers, values, stamped);
      assert.deepEqual([info.firstOffset, info.lastOffset], [expected.firstOffset, expected.lastOffset], 'offsets assigned');
      return;
    }
    case 'replicate': {
      // A follower's append: offsets and epochs as the leader assigned them, a gap where the
      // leader's log was compacted; never stamped with the append time.
      if (command.newEpoch) model.epoch++;
      const baseOffset = end + command.gap;
      const { buffers, values, timestamps } = encodeAppend(appendIds++, command.batches, subject.clock.nowMs, { baseOffset, epoch: model.epoch });
      if (buffers.reduce((n, b) => n + b.length, 0) > subject.settings.segmentBytes) {
        assert.throws(() => log.append(Buffer.concat(buffers), -1, APPEND_FROM_REPLICATION), isCode(ErrorCode.RECORD_LIST_TOO_LARGE));
        return;
      }
      const info = log.append(Buffer.concat(buffers), -1, APPEND_FROM_REPLICATION);
      const expected = model.append(buffers, values, timestamps, baseOffset);
      assert.deepEqual([info.firstOffset, info.lastOffset], [expected.firstOffset, expected.lastOffset], 'offsets kept');
      return;
    }
    case 'read':
      await checkRead(log, model, pick(command.at, start - 1, end + 1), command.maxBytes, command.minOneBatch,
        command.bound === 0 ? UNBOUNDED : pick(command.bound, start, end + 1));
      return;
    case 'listOffsets': {
      const timestamps = model.visibleBatches.flatMap((b) => b.records).map((r) => r.timestamp);
      const target = timestamps.length === 0 ? subject.clock.nowMs : pick(command.at, Math.min(...timestamps) - 5, Math.max(...timestamps) + 5);
      assert.deepEqual(await log.offsetForTimestamp(target), model.offsetForTimestamp(target), `offsetForTimestamp(${target})`);
      assert.deepEqual(await log.offsetOfMaxTimestamp(), model.offsetOfMaxTimestamp(), 'offsetOfMaxTimestamp');
      return;
    }
    case 'truncate': {
      const offset = Math.max(0, pick(command.at, start - 2, end + 1));
      log.truncateTo(offset);
      model.truncateTo(offset);
      return;
    }
    case 'highWatermark': {
      const offset = command.at > 700 ? end : pick(command.at, start - 1, end + 1);
      log.updateHighWatermark(offset);
      model.updateHighWatermark(offset);
      return;
    }
    case 'deleteRecords': {
      const offset = Math.max(0, pick(command.at, start - 1, end + 1));
      if (model.deleteRecordsBefore(offset)) assert.equal(log.deleteRecordsBefore(offset), model.logStartOffset, `deleteRecordsBefore(${offset})`);
      else assert.throws(() => log.deleteRecordsBefore(offset), isCode(ErrorCode.OFFSET_OUT_OF_RANGE));
      return;
    }
    case 'roll':
      log.roll();
      return;
    case 'flush':
      await log.flush();
      assert.equal(log.recoveryPoint, model.logEndOffset, 'a flush moves the recovery point to the log end');
      return;
    case 'checkpoint':
      subject.manager.checkpoint();
      model.persisted = { logStartOffset: model.logStartOffset, highWatermark: model.highWatermark };
      return;
    case 'retention':
      await runRetention(subject, model, command);
      return;
    case 'restart':
      await restart(subject, model, command.crash);
      return;
  }
}

async function checkRead(log: PartitionLog, model: StorageModel, fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number): Promise<void> {
  const what = `read(${fetchOffset}, ${maxBytes}, ${maxOffset}, ${minOneBatch}) of [${model.logStartOffset}, ${model.logEndOffset})`;
  if (fetchOffset < model.logStartOffset || fetchOffset > model.logEndOffset) {
    await assert.rejects(log.read(fetchOffset, maxBytes, maxOffset, minOneBatch), isCode(ErrorCode.OFFSET_OUT_OF_RANGE), what);
    return;
  }
  const data = await log.read(fetchOffset, maxBytes, maxOffset, minOneBatch);
  const got = decodeRecordBatches(data.records);
  const readable = model.readable(fetchOffset, maxOffset);
  const first = readable[0];
  if (first === undefined || (first.sizeInBytes > maxBytes && !minOneBatch)) {
    assert.equal(data.records.length, 0, `${what} returns nothing`);
    assert.deepEqual([data.firstOffset, data.nextOffset], [fetchOffset, fetchOffset], what);
    return;
  }
  assert.ok(got.length > 0, `${what} returns at least one batch`);
  assert.deepEqual(describeRead(got), describeModel(readable.slice(0, got.length)), what);
  assert.ok(data.records.length <= maxBytes || (got.length === 1 && minOneBatch), `${what} returned ${data.records.length} bytes in ${got.length} batches`);
  assert.equal(data.firstOffset, first.baseOffset, what);
  assert.equal(data.nextOffset, readable[got.length - 1]!.lastOffset + 1, what);
}

async function runRetention(subject: Subject, model: StorageModel, command: Extract<Command, { kind: 'retention' }>): Promise<void> {
  const log = subject.log;
  subject.clock.advance(command.advanceMs);
  const bases = log.segments.map((s) => s.baseOffset);
  const retentionMs = command.byTime ? command.limit * 5 : -1;
  const retentionBytes = command.byTime ? -1 : command.limit;
  subject.manager.setTopicConfig(TOPIC, { ...subject.baseConfig, retentionMs, retentionBytes });
  await subject.manager.runMaintenance();
  subject.manager.setTopicConfig(TOPIC, subject.baseConfig);
  const expected = model.retain(bases, subject.clock.nowMs, retentionMs, retentionBytes);
  if (subject.clock.nowMs - subject.lastCheckpointMs >= CHECKPOINT_INTERVAL_MS) {
    subject.lastCheckpointMs = subject.clock.nowMs;
    model.persisted = { logStartOffset: model.logStartOffset, highWatermark: model.highWatermark };
  }
  assert.equal(log.logStartOffset, expected, `retention (ms ${retentionMs}, bytes ${retentionBytes}) of segments ${bases.join(',')}`);
  const files = readdirSync(log.dir).filter((f) => f.endsWith('.log') || f.endsWith('.deleted'));
  assert.deepEqual(files.sort(), log.segments.map((s) => s.logPath.slice(log.dir.length + 1)).sort(), 'segment files on disk');
}

async function restart(subject: Subject, model: StorageModel, crash: boolean): Promise<void> {
  await subject.restart(crash);
  const log = subject.log;
  if (!crash) {
    model.persisted = { logStartOffset: model.logStartOffset, highWatermark: model.highWatermark };
    assert.equal(subject.recovery, null, 'a clean shutdown skips recovery');
    assert.equal(log.recoveryPoint, model.logEndOffset, 'after a clean shutdown everything is flushed');
    return;
  }
  assert.equal(subject.recovery?.truncatedBytes, 0, 'a process kill leaves no torn tail to cut');
  // logStartOffset and the high watermark come back from their last checkpoint, never past what
  // the log still holds, and never hiding a record that was visible.
  const expectedStart = Math.min(Math.max(model.persisted?.logStartOffset ?? 0, log.segments[0]!.baseOffset), model.logEndOffset);
  assert.equal(log.logStartOffset, expectedStart, 'logStartOffset after a crash');
  assert.ok(expectedStart <= model.logStartOffset, `logStartOffset ${expectedStart} after a crash hides records below ${model.logStartOffset}`);
  if (expectedStart < model.logStartOffset) model.epochsUnknownBelow = Math.max(model.epochsUnknownBelow, model.logStartOffset);
  model.logStartOffset = expectedStart;
  model.highWatermark = model.logStartOffset;
  model.updateHighWatermark(model.persisted?.highWatermark ?? model.logEndOffset);
}

async function runSequence(settings: Settings, commands: readonly Command[]): Promise<void> {
  const subject = new Subject(settings);
  const model = new StorageModel();
  try {
    for (const [i, command] of commands.entries()) {
      try {
        await runCommand(subject, model, command);
        if (command.kind !== 'read' && command.kind !== 'listOffsets') await checkAgainstModel(subject, model);
      } catch (err) {
        if (err instanceof assert.AssertionError && err.operator === 'strictEqual') err.message += ` (got ${String(err.actual)}, want ${String(err.expected)})`;
        if (err instanceof Error) err.message = `command ${i} ${JSON.stringify(command)}: ${err.message}`;
        throw err;
      }
    }
  } finally {
    await subject.dispose();
  }
}

interface Regression {
  readonly name: string;
  readonly settings: Settings;
  readonly commands: readonly Command[];
}

const SMALL: Settings = { segmentBytes: 400, indexIntervalBytes: 0, segmentIndexBytes: 24, flushMessages: 3, flushMs: 500, maxOpenFiles: 1, logAppendTime: false };
const one = (records: number, extra: Partial<BatchShape> = {}): BatchShape => ({ records, valueBytes: 0, compression: 0, skewMs: 0, ...extra });
const append = (batches: BatchShape[], newEpoch = false, advanceMs = 0): Command => ({ kind: 'append', batches, newEpoch, advanceMs });

/** Sequences that once failed, shrunk by fast-check; each names the bug it found. */
const REGRESSIONS: readonly Regression[] = [
  {
    name: 'retention never deletes a segment holding offsets at or past the high watermark',
    settings: SMALL,
    commands: [append([one(1)]), append([one(2, { compression: 4 }), one(2, { valueBytes: 6 }), one(2, { valueBytes: 3, compression: 1 })]),
      { kind: 'retention', byTime: false, advanceMs: 0, limit: 0 }, { kind: 'checkpoint' }],
  },
  {
    name: 'a background flush that awaited across a truncation does not move the recovery point past the new end',
    settings: SMALL,
    commands: [append([one(3)]), { kind: 'truncate', at: 0 }, append([one(1)]), { kind: 'deleteRecords', at: 0 }],
  },
  {
    name: 'a segment recreated at a truncated segment\'s base offset never writes through the deleted file\'s descriptor',
    settings: SMALL,
    commands: [append([one(3)]), { kind: 'truncate', at: 0 }, append([one(1)]), append([one(1)])],
  },
  {
    name: 'segments below a DeleteRecords offset are deleted with their files by the next retention pass',
    settings: SMALL,
    commands: [append([one(1), one(3)]), { kind: 'restart', crash: true }, append([one(1, { compression: 4 }), one(3, { valueBytes: 4 })]),
      { kind: 'deleteRecords', at: 450 }, { kind: 'retention', byTime: false, advanceMs: 0, limit: 0 }],
  },
  {
    name: 'an epoch starting where the previous (now empty) epoch starts replaces it in the leader epoch cache',
    settings: SMALL,
    commands: [append([one(1)]), { kind: 'restart', crash: true }, { kind: 'deleteRecords', at: 500 }, append([one(1)], true)],
  },
  {
    name: 'truncating inside the batch holding logStartOffset leaves an empty log at logStartOffset',
    settings: SMALL,
    commands: [append([one(4)]), { kind: 'highWatermark', at: 250 }, { kind: 'deleteRecords', at: 250 }, { kind: 'truncate', at: 417 }],
  },
  {
    name: 'ListOffsets MAX_TIMESTAMP answers with a visible record when the largest timestamp lies below logStartOffset',
    settings: SMALL,
    commands: [append([one(2), one(1)]), { kind: 'highWatermark', at: 500 }, { kind: 'deleteRecords', at: 500 },
      { kind: 'listOffsets', at: 0 }, append([one(1)])],
  },
  {
    name: 'a flush in flight when its segment is deleted does not recreate the segment\'s index files',
    settings: SMALL,
    commands: [append([one(1), one(1)]), append([one(2), one(4, { valueBytes: 4 })]), { kind: 'truncate', at: 230 },
      append([one(1, { skewMs: -532 })], false, 28)],
  },
  {
    name: 'truncating into a gap that compaction left ends the log where its records end, as a restart finds it',
    settings: SMALL,
    commands: [{ kind: 'replicate', batches: [one(1)], newEpoch: false, gap: 3 }, { kind: 'truncate', at: 358 }, { kind: 'restart', crash: false }],
  },
];

describe('reads racing a truncation', () => {
  test('a read that outlives its segment\'s deletion fails without bringing the file back or taking the directory offline', async (t) => {
    const clock = new ManualClock();
    const manager = openManager(t, tempDir(t), clock, config({ 'segment.bytes': '100000' }));
    const log = manager.createLog(TOPIC, 0, TOPIC_ID);
    for (let i = 0; i < 5; i++) log.append(encodeRecordBatch({ records: [{ key: null, value: Buffer.from(`v${i}`), timestamp: clock.nowMs }] }), 0);
    log.roll();
    // Larger than a first read takes (maxBytes + slack), so the read comes back for the rest.
    log.append(encodeRecordBatch({ records: [{ key: null, value: Buffer.alloc(40_000, 1), timestamp: clock.nowMs }] }), 0);
    const doomed = log.activeSegment.logPath;
    const reading = log.read(5, 1, UNBOUNDED, true).then(() => null, (err: unknown) => err);
    await new Promise((resolve) => setImmediate(resolve));
    log.truncateTo(3);
    const err = await reading;
    assert.ok(err === null || !(err instanceof KafkaError && err.code === ErrorCode.KAFKA_STORAGE_ERROR), `not a storage failure: ${String(err)}`);
    assert.equal(manager.offlineDirs.size, 0);
    assert.ok(!existsSync(doomed), 'the deleted segment file stays deleted');
    await manager.close();
    const reopened = openManager(t, manager.logDirs[0]!, clock).getLog(TOPIC, 0)!;
    assert.equal(reopened.logEndOffset, 3, 'the truncation holds after a restart');
  });
});

describe('storage engine against an in-memory model', () => {
  for (const regression of REGRESSIONS) {
    test(`regression: ${regression.name}`, async () => {
      await runSequence(regression.settings, regression.commands);
    });
  }

  test('random command sequences leave the log agreeing with the model', async (t) => {
    t.diagnostic(`fast-check seed ${SEED}, ${RUNS} runs (set SAMSA_STORAGE_SEED / SAMSA_STORAGE_RUNS to change)`);
    const details = await fc.check(
      fc.asyncProperty(settingsArb, fc.array(commandArb, { minLength: 1, maxLength: MAX_COMMANDS }), async (settings, commands) => {
        await runSequence(settings, commands);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (details.failed) {
      // Printed whole so the shrunk sequence can go straight into REGRESSIONS.
      const [settings, commands] = details.counterexample ?? [];
      const reason = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      assert.fail(`seed ${details.seed} path ${details.counterexamplePath}\nsettings: ${JSON.stringify(settings)}\ncommands: ${JSON.stringify(commands)}\n${reason}`);
    }
  });
});
