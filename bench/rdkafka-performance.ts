/**
 * Runs of rdkafka_performance, librdkafka's own benchmark client, and what they print.
 *
 * Producer: `-P -t T -p 0 -s 1024 -c N -a ACKS [-z CODEC] -X linger.ms=L -X batch.size=B`; its
 * closing line reads "% N messages produced (B bytes), D delivered (offset O, F failed) in Tms:
 * R msgs/s and M MB/s, ...", where MB are 10^6 bytes of record values, timed from the first
 * produce call to the last delivery report. Consumer (simple consumer, no group: `-C -p 0 -o ...`):
 * "% N messages (B bytes) consumed in Tms: R msgs/s (M MB/s)", timed from the first record received.
 *
 * Latency mode (`-l`): the producer writes its wall clock into each value and paces itself with
 * `-r` (msgs/s); `-A FILE` writes one figure per record, in µs: on the producer the time to its
 * delivery report (the ack), on the consumer the time from produce call to receipt (end to end).
 */
import { readFileSync } from 'node:fs';

export const RECORD_BYTES = 1024;

export interface Throughput {
  readonly records: number;
  readonly elapsedMs: number;
  readonly recordsPerSec: number;
  /** 10^6 bytes of record values per second. */
  readonly mbPerSec: number;
}

export interface ProduceRun {
  readonly bootstrap: string;
  readonly topic: string;
  readonly records: number;
  readonly acks: number;
  readonly codec: string;
  readonly lingerMs: number;
  readonly batchBytes: number;
  /** Default RECORD_BYTES. */
  readonly recordBytes?: number;
  /** Latency mode: msgs/s pacing, and the file of per-record ack latencies. */
  readonly ratePerSec?: number;
  readonly latencyFile?: string;
}

export function produceArgs(run: ProduceRun): string[] {
  const args = [
    '-P', '-t', run.topic, '-p', '0', '-b', run.bootstrap, '-s', String(run.recordBytes ?? RECORD_BYTES), '-c', String(run.records),
    '-a', String(run.acks), '-z', run.codec, '-X', `linger.ms=${run.lingerMs}`, '-X', `batch.size=${run.batchBytes}`,
    '-i', '600000',
  ];
  // The pacing loop polls with a timeout computed by a macro that reads the clock twice: when the
  // thread is descheduled between the reads it polls with -1 and waits for the next event, which
  // never comes once every message is delivered. Statistics every 100 ms are such an event.
  if (run.ratePerSec !== undefined) args.push('-r', String(run.ratePerSec), '-T', '100');
  if (run.latencyFile !== undefined) args.push('-l', '-A', run.latencyFile);
  return args;
}

export interface ConsumeRun {
  readonly bootstrap: string;
  readonly topic: string;
  /** 'beginning', or the last `n` records of the partition. */
  readonly from: 'beginning' | { readonly last: number };
  /** Stop after this many records; without it, stop at the end of the partition. */
  readonly records?: number;
  readonly fetchWaitMaxMs?: number;
  readonly latencyFile?: string;
}

export function consumeArgs(run: ConsumeRun): string[] {
  const offset = run.from === 'beginning' ? 'beginning' : String(-run.from.last);
  const args = ['-C', '-t', run.topic, '-p', '0', '-b', run.bootstrap, '-o', offset, '-i', '600000'];
  args.push(...(run.records === undefined ? ['-e'] : ['-c', String(run.records)]));
  if (run.fetchWaitMaxMs !== undefined) args.push('-X', `fetch.wait.max.ms=${run.fetchWaitMaxMs}`);
  if (run.latencyFile !== undefined) args.push('-l', '-A', run.latencyFile);
  return args;
}

const PRODUCED = /% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset -?\d+, (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and ([\d.]+) MB\/s/g;
const CONSUMED = /% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/g;

function lastMatch(pattern: RegExp, text: string): RegExpExecArray | null {
  let last: RegExpExecArray | null = null;
  for (const m of text.matchAll(pattern)) last = m as RegExpExecArray;
  return last;
}

/** The producer's totals; throws unless every record was delivered. */
export function parseProduced(stdout: string, expectedRecords: number): Throughput {
  const m = lastMatch(PRODUCED, stdout);
  if (!m) throw new Error(`no producer summary in rdkafka_performance output:\n${stdout.slice(-2000)}`);
  const delivered = Number(m[3]);
  if (delivered !== expectedRecords || Number(m[4]) !== 0) throw new Error(`rdkafka_performance delivered ${delivered} of ${expectedRecords} records (${m[4]} failed)`);
  return { records: delivered, elapsedMs: Number(m[5]), recordsPerSec: Number(m[6]), mbPerSec: Number(m[7]) };
}

export function parseConsumed(stdout: string): Throughput {
  const m = lastMatch(CONSUMED, stdout);
  if (!m) throw new Error(`no consumer summary in rdkafka_performance output:\n${stdout.slice(-2000)}`);
  return { records: Number(m[1]), elapsedMs: Number(m[3]), recordsPerSec: Number(m[4]), mbPerSec: Number(m[5]) };
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Percentiles of per-record latencies in µs, after dropping the first `warmupFraction` as warm-up. */
export function summarizeLatencies(latenciesUs: readonly number[], warmupFraction = 0.1): LatencySummary {
  const kept = latenciesUs.slice(Math.floor(latenciesUs.length * warmupFraction)).sort((a, b) => a - b);
  if (kept.length === 0) return { samples: 0, p50Ms: NaN, p99Ms: NaN, p999Ms: NaN, maxMs: NaN };
  const at = (q: number): number => kept[Math.min(kept.length - 1, Math.floor(kept.length * q))]! / 1000;
  return { samples: kept.length, p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: kept[kept.length - 1]! / 1000 };
}

/** An `-A` file: one latency in µs per line. */
export function readLatencyFile(path: string): number[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map(Number);
}
