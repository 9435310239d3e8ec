import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CorruptSnapshotError, decodeSnapshot, encodeSnapshot, snapshotPath } from '../../../src/coordinator/producer-snapshot.js';
import { ProducerStateEntry } from '../../../src/coordinator/producer-state-entry.js';
import { ProducerStateManager } from '../../../src/coordinator/producer-state-manager.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';
import { encodeRecordBatch } from '../../../src/protocol/record-batch/index.js';
import type { LogConfig } from '../../../src/storage/log-config.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { ManualClock, config, openManager, tempDir } from '../../support/storage-fixtures.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const EXPIRATION_MS = 60_000;
const INT32_MAX = 0x7fffffff;
const PID = 1000;

type TestContext = Parameters<typeof openManager>[0];

interface Setup {
  readonly log: PartitionLog;
  readonly state: ProducerStateManager;
  readonly clock: ManualClock;
}

function attach(log: PartitionLog, clock: ManualClock): ProducerStateManager {
  const state = new ProducerStateManager(log, { producerIdExpirationMs: EXPIRATION_MS, clock: clock.now });
  state.load();
  log.producerStateHook = state;
  return state;
}

function openPartition(t: TestContext, logConfig: LogConfig = config()): Setup {
  const clock = new ManualClock();
  const manager = openManager(t, tempDir(t), clock, logConfig);
  const log = manager.createLog('orders', 0, TOPIC_ID);
  return { log, state: attach(log, clock), clock };
}

/** `count` records from producer `producerId` at `epoch`, sequences from `baseSequence`. */
function batch(producerId: number, epoch: number, baseSequence: number, count: number, timestamp: number): Buffer {
  return encodeRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`s${baseSequence}-${i}`), timestamp: timestamp + i })),
    producerId, producerEpoch: epoch, baseSequence,
  });
}

/** What ReplicaManager does: check, then append unless it is a retry. */
function produce(s: Setup, records: Buffer): { offset: number; duplicate: boolean } {
  const duplicate = s.state.checkAppend(records);
  if (duplicate) return { offset: duplicate.firstOffset, duplicate: true };
  return { offset: s.log.append(records, 0).firstOffset, duplicate: false };
}

function rejects(s: Setup, records: Buffer, code: number): void {
  assert.throws(() => produce(s, records), (err: unknown) => err instanceof KafkaError && err.code === code);
}

describe('ProducerStateManager', () => {
  test('answers a retry of any of the last five batches with its original offsets and writes nothing', (t) => {
    const s = openPartition(t);
    const sent = Array.from({ length: 6 }, (_, i) => batch(PID, 0, i * 2, 2, s.clock.nowMs));
    const offsets = sent.map((b) => produce(s, b).offset);
    assert.deepEqual(offsets, [0, 2, 4, 6, 8, 10]);
    for (let i = 1; i < 6; i++) assert.deepEqual(produce(s, batch(PID, 0, i * 2, 2, s.clock.nowMs)), { offset: offsets[i], duplicate: true });
    assert.equal(s.log.logEndOffset, 12);
    // The sixth batch pushed the first out: its retry is no longer recognised.
    rejects(s, batch(PID, 0, 0, 2, s.clock.nowMs), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(s.state.lastEntry(PID)!.batches.length, 5);
  });

  test('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and leaves the state as it was', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 2, s.clock.nowMs));
    rejects(s, batch(PID, 0, 3, 1, s.clock.nowMs), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(s.log.logEndOffset, 2);
    assert.deepEqual(produce(s, batch(PID, 0, 2, 1, s.clock.nowMs)), { offset: 2, duplicate: false });
  });

  test('fences a batch from an older epoch with INVALID_PRODUCER_EPOCH, retries included', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 1, s.clock.nowMs));
    produce(s, batch(PID, 1, 0, 1, s.clock.nowMs));
    rejects(s, batch(PID, 0, 1, 1, s.clock.nowMs), ErrorCode.INVALID_PRODUCER_EPOCH);
    rejects(s, batch(PID, 0, 0, 1, s.clock.nowMs), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(s.state.lastEntry(PID)!.producerEpoch, 1);
  });

  test('a new epoch must start at sequence 0 and forgets the batches of the old one', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 3, s.clock.nowMs));
    rejects(s, batch(PID, 1, 3, 1, s.clock.nowMs), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(produce(s, batch(PID, 1, 0, 1, s.clock.nowMs)), { offset: 3, duplicate: false });
    assert.deepEqual(s.state.lastEntry(PID)!.batches.map((b) => [b.firstSeq, b.lastSeq]), [[0, 0]]);
    assert.deepEqual(produce(s, batch(PID, 1, 1, 1, s.clock.nowMs)), { offset: 4, duplicate: false });
  });

  test('sequences wrap from 2^31-1 to 0, within a batch and between batches', (t) => {
    const s = openPartition(t);
    // A batch ending exactly at 2^31-1: the next starts at 0.
    produce(s, batch(PID, 0, INT32_MAX - 2, 3, s.clock.nowMs));
    assert.equal(s.state.lastEntry(PID)!.lastSeq, INT32_MAX);
    rejects(s, batch(PID, 0, 1, 1, s.clock.nowMs), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(produce(s, batch(PID, 0, 0, 1, s.clock.nowMs)).duplicate, false);
    // A batch straddling the wrap: its sequences run 2^31-2, 2^31-1, 0, 1.
    produce(s, batch(PID + 1, 0, INT32_MAX - 1, 4, s.clock.nowMs));
    assert.equal(s.state.lastEntry(PID + 1)!.lastSeq, 1);
    assert.equal(produce(s, batch(PID + 1, 0, INT32_MAX - 1, 4, s.clock.nowMs)).duplicate, true);
    rejects(s, batch(PID + 1, 0, 3, 1, s.clock.nowMs), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(produce(s, batch(PID + 1, 0, 2, 1, s.clock.nowMs)).duplicate, false);
  });

  test('accepts any first sequence from a producer id it holds no state for (KIP-360)', (t) => {
    const s = openPartition(t);
    assert.deepEqual(produce(s, batch(PID, 3, 42, 2, s.clock.nowMs)), { offset: 0, duplicate: false });
    rejects(s, batch(PID, 3, 45, 1, s.clock.nowMs), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(produce(s, batch(PID, 3, 44, 1, s.clock.nowMs)).duplicate, false);
  });

  test('refuses an idempotent batch without a sequence as INVALID_RECORD, and ignores plain batches', (t) => {
    const s = openPartition(t);
    rejects(s, batch(PID, 0, -1, 1, s.clock.nowMs), ErrorCode.INVALID_RECORD);
    const plain = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] });
    assert.equal(produce(s, plain).offset, 0);
    assert.equal(produce(s, plain).offset, 1);
    assert.equal(s.state.producers.size, 0);
  });

  test('checks later batches of a request against the earlier ones', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 1, s.clock.nowMs));
    const inOrder = Buffer.concat([batch(PID, 0, 1, 2, s.clock.nowMs), batch(PID, 0, 3, 1, s.clock.nowMs)]);
    assert.equal(produce(s, inOrder).offset, 1);
    const gap = Buffer.concat([batch(PID, 0, 4, 1, s.clock.nowMs), batch(PID, 0, 6, 1, s.clock.nowMs)]);
    rejects(s, gap, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(s.log.logEndOffset, 4);
  });

  test('a corrupt batch answers CORRUPT_MESSAGE even when its sequence is also wrong', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 1, s.clock.nowMs));
    const records = batch(PID, 0, 9, 1, s.clock.nowMs);
    records[records.length - 1] ^= 0xff;
    rejects(s, records, ErrorCode.CORRUPT_MESSAGE);
  });

  test('forgets producers idle past producer.id.expiration.ms, after which any sequence is accepted', (t) => {
    const s = openPartition(t);
    const written = s.clock.nowMs;
    produce(s, batch(PID, 0, 0, 1, written));
    assert.equal(s.state.removeExpiredProducers(written + EXPIRATION_MS - 1), 0);
    rejects(s, batch(PID, 0, 5, 1, written), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(s.state.removeExpiredProducers(written + EXPIRATION_MS), 1);
    assert.equal(s.state.lastEntry(PID), undefined);
    assert.equal(produce(s, batch(PID, 0, 5, 1, written)).duplicate, false);
  });

  test('a snapshot round-trips every producer with its epoch and last five batches', (t) => {
    const s = openPartition(t);
    for (let i = 0; i < 7; i++) produce(s, batch(PID, 2, i, 1, s.clock.nowMs + i));
    produce(s, batch(PID + 1, 0, 0, 3, s.clock.nowMs));
    const decoded = decodeSnapshot(encodeSnapshot(s.state.producers.values()));
    assert.deepEqual(decoded, [...s.state.producers.values()]);
    assert.throws(() => decodeSnapshot(Buffer.from('not a snapshot at all')), CorruptSnapshotError);

    s.state.takeSnapshot();
    assert.deepEqual(readdirSync(s.log.dir).filter((n) => n.endsWith('.snapshot')), ['00000000000000000010.snapshot']);
    const reloaded = attach(s.log, s.clock);
    assert.deepEqual([...reloaded.producers.values()], [...s.state.producers.values()]);
    for (let i = 2; i < 7; i++) assert.deepEqual(produce({ ...s, state: reloaded }, batch(PID, 2, i, 1, s.clock.nowMs + i)), { offset: i, duplicate: true });
  });

  test('loading replays the batches after the latest snapshot, and falls back past a corrupt one', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 2, s.clock.nowMs));
    s.state.takeSnapshot();
    produce(s, batch(PID, 0, 2, 2, s.clock.nowMs));
    s.state.takeSnapshot();
    produce(s, batch(PID, 0, 4, 2, s.clock.nowMs));
    const newest = snapshotPath(s.log.dir, 4);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(newest, bytes);

    const reloaded = attach(s.log, s.clock);
    assert.deepEqual(reloaded.snapshots, [2]);
    assert.deepEqual(reloaded.lastEntry(PID)!.batches.map((b) => [b.firstSeq, b.firstOffset]), [[0, 0], [2, 2], [4, 4]]);
    assert.equal(reloaded.mapEndOffset, 6);
    const r = { ...s, state: reloaded };
    assert.deepEqual(produce(r, batch(PID, 0, 4, 2, s.clock.nowMs)), { offset: 4, duplicate: true });
    assert.equal(produce(r, batch(PID, 0, 6, 1, s.clock.nowMs)).offset, 6);
  });

  test('writes a snapshot at each roll, and rebuilds state and drops later snapshots on truncation', (t) => {
    const s = openPartition(t, config({ 'segment.bytes': '160' }));
    for (let i = 0; i < 8; i++) produce(s, batch(PID, 0, i, 1, s.clock.nowMs));
    assert.ok(s.log.segments.length > 2, `expected rolls, got ${s.log.segments.length} segments`);
    assert.deepEqual(s.state.snapshots, s.log.segments.slice(1).map((g) => g.baseOffset));

    s.log.truncateTo(5);
    assert.equal(s.log.logEndOffset, 5);
    assert.ok(s.state.snapshots.every((o) => o <= 5));
    assert.equal(s.state.lastEntry(PID)!.lastSeq, 4);
    // The batch at offset 6 is gone: sending it again appends it.
    assert.deepEqual(produce(s, batch(PID, 0, 5, 1, s.clock.nowMs)), { offset: 5, duplicate: false });
    assert.deepEqual(produce(s, batch(PID, 0, 4, 1, s.clock.nowMs)), { offset: 4, duplicate: true });

    s.log.truncateFullyAndStartAt(20);
    assert.equal(s.state.producers.size, 0);
    assert.deepEqual(s.state.snapshots, []);
  });

  test('deletes snapshots below the log start offset, which replay can no longer use', (t) => {
    const s = openPartition(t);
    produce(s, batch(PID, 0, 0, 2, s.clock.nowMs));
    s.state.takeSnapshot();
    produce(s, batch(PID, 0, 2, 2, s.clock.nowMs));
    s.state.takeSnapshot();
    s.log.updateHighWatermark(s.log.logEndOffset);
    s.log.deleteRecordsBefore(3);
    s.state.deleteSnapshotsBefore(s.log.logStartOffset);
    assert.deepEqual(s.state.snapshots, [4]);
    // The state itself outlives the records (Kafka since KIP-360).
    assert.equal(s.state.lastEntry(PID)!.lastSeq, 3);
  });

  test('entries keep their fields through the snapshot format', () => {
    const entry = new ProducerStateEntry(2 ** 40, 7, 1234);
    entry.addBatch(7, { firstSeq: 5, lastSeq: 9, firstOffset: 2 ** 35, lastOffset: 2 ** 35 + 4, timestamp: 99 });
    entry.coordinatorEpoch = 3;
    entry.currentTxnFirstOffset = 17;
    assert.deepEqual(decodeSnapshot(encodeSnapshot([entry])), [entry]);
  });

  test('producer ids and timestamps beyond 2^53 from a client header survive the snapshot as read', () => {
    const entry = new ProducerStateEntry(2 ** 62, 0, 2 ** 63);
    entry.addBatch(0, { firstSeq: 0, lastSeq: 0, firstOffset: 0, lastOffset: 0, timestamp: -(2 ** 60) });
    assert.deepEqual(decodeSnapshot(encodeSnapshot([entry])), [entry]);
  });
});
