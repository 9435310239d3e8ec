/**
 * The line protocol between a group-interop test and its member processes, whatever client a
 * member runs (kafkajs, @platformatic/kafka, node-rdkafka here; the Python scripts speak the same
 * JSON, see groups_member_lines.py).
 *
 * A member is started with one argument, its MemberConfig as JSON. It subscribes to the topic,
 * processes what it is given, and prints one JSON MemberEvent per line:
 * - `assigned` after every rebalance callback, with its whole current assignment;
 * - `records` for each batch it processed, printed before that batch's offsets are committed, so
 *   the test always knows of a record before a commit covering it can reach the broker;
 * - `committed` once a commit has succeeded;
 * - `closed` after a clean close (commit, then leave the group) asked for by the line `close` on
 *   stdin. A member whose stdin ends (the test died) exits too.
 * Node writes to a pipe synchronously on Linux, so a line is in the pipe before the next request.
 */
import { createInterface } from 'node:readline';

export interface MemberConfig {
  readonly bootstrap: string;
  readonly groupId: string;
  readonly topic: string;
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The classic rebalance timeout (max.poll.interval.ms for librdkafka and kafka-python). */
  readonly rebalanceTimeoutMs: number;
  /** KIP-345 static membership; null for a dynamic member. */
  readonly groupInstanceId: string | null;
  /** The client's own assignor name (librdkafka's partition.assignment.strategy); null for its default. */
  readonly assignor: string | null;
  /** `consumer` is KIP-848 (ConsumerGroupHeartbeat); `classic` is JoinGroup/SyncGroup. */
  readonly groupProtocol: 'classic' | 'consumer';
}

/** A processed record: partition, offset, value as UTF-8. */
export type ProcessedRecordLine = [number, number, string];

export type MemberEvent =
  | { readonly event: 'assigned'; readonly partitions: number[]; readonly generationId: number | null; readonly memberId: string | null }
  | { readonly event: 'records'; readonly records: ProcessedRecordLine[] }
  | { readonly event: 'committed'; readonly offsets: [number, number][] }
  | { readonly event: 'warning'; readonly message: string }
  | { readonly event: 'closed' };

export function emit(event: MemberEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

export function memberConfigFromArgv(): MemberConfig {
  const text = process.argv[2];
  if (text === undefined) throw new Error('usage: node <member>.js <MemberConfig JSON>');
  return JSON.parse(text) as MemberConfig;
}

/** Calls `close` once, on the `close` command or when stdin ends; exits 0 after it, 1 if it throws. */
export function closeOnCommand(close: () => Promise<void>): void {
  let closing = false;
  const run = (): void => {
    if (closing) return;
    closing = true;
    close().then(() => {
      emit({ event: 'closed' });
      process.exit(0);
    }, (err: unknown) => {
      process.stderr.write(`close failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    });
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'close') run();
  });
  lines.on('close', run);
}

/** Offsets to commit after processing `records`: per partition, the last offset + 1. */
export function nextOffsets(records: readonly ProcessedRecordLine[]): [number, number][] {
  const next = new Map<number, number>();
  for (const [partition, offset] of records) next.set(partition, Math.max(next.get(partition) ?? 0, offset + 1));
  return [...next.entries()].sort((a, b) => a[0] - b[0]);
}

/** Dies loudly on anything unexpected, so the test sees the stack in stderr and the exit. */
export function failOnUnhandled(): void {
  const die = (err: unknown): void => {
    process.stderr.write(`member failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
