/**
 * MemoryCoordinatorLog: `__consumer_offsets` in memory for group coordinator tests. Each partition
 * keeps the records appended to it, in order; what an append acknowledged is exactly what a later
 * `read` (a coordinator "restart" over the same log) replays. Tests can make appends fail with a
 * Kafka error code, and hold reads to observe a partition while it loads.
 */
import type { CoordinatorLog } from '../../src/coordinator/group/coordinator-log.js';
import type { CoordinatorRecord } from '../../src/coordinator/group/coordinator-record.js';
import { type ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';

export class MemoryCoordinatorLog implements CoordinatorLog {
  private readonly records: CoordinatorRecord[][];
  private failure: Exclude<ErrorCode, 0> | null = null;
  private readGate: Promise<void> | null = null;
  appendCount = 0;

  constructor(readonly partitionCount = 3) {
    this.records = Array.from({ length: partitionCount }, () => []);
  }

  /** Every later append fails with this code (as the broker's log would throw it), until cleared with null. */
  failAppendsWith(code: Exclude<ErrorCode, 0> | null): void {
    this.failure = code;
  }

  /** Reads wait until the returned function is called. */
  holdReads(): () => void {
    let release!: () => void;
    this.readGate = new Promise((resolve) => (release = resolve));
    return () => {
      this.readGate = null;
      release();
    };
  }

  append(partition: number, records: readonly CoordinatorRecord[]): Promise<void> {
    if (this.failure !== null) return Promise.reject(new KafkaError(this.failure));
    this.appendCount++;
    this.records[partition]!.push(...records);
    return Promise.resolve();
  }

  async *read(partition: number): AsyncIterable<CoordinatorRecord> {
    if (this.readGate !== null) await this.readGate;
    yield* [...this.records[partition]!];
  }

  /** What the partition holds, for assertions. */
  recordsOf(partition: number): readonly CoordinatorRecord[] {
    return this.records[partition]!;
  }

  allRecords(): CoordinatorRecord[] {
    return this.records.flat();
  }
}
