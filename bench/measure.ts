/**
 * Timing for benchmarks: warm up, then time repeated rounds of an operation and report the median
 * and p99 per operation and the throughput. Wall-clock figures on a shared machine are noisy;
 * every benchmark therefore prints a baseline measured in the same run and the ratio to it.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly name: string;
  readonly medianUs: number;
  readonly p99Us: number;
  /** MB/s at the median (10^6 bytes), or NaN when the operation has no byte size. */
  readonly mbPerSec: number;
  /** The figure this row is compared with, when it is not the table's single baseline. */
  readonly baseline?: Measurement;
}

export interface MeasureOptions {
  readonly warmupMs?: number;
  readonly rounds?: number;
  /** Target duration of one round; ops per round are chosen to fill it. */
  readonly roundMs?: number;
}

export function measure(name: string, bytesPerOp: number, op: () => unknown, options: MeasureOptions = {}): Measurement {
  const warmupMs = options.warmupMs ?? 300;
  const rounds = options.rounds ?? 30;
  const roundMs = options.roundMs ?? 20;
  let sink: unknown;
  let opsPerRound = 1;
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) {
    const t0 = performance.now();
    for (let i = 0; i < opsPerRound; i++) sink = op();
    const elapsed = performance.now() - t0;
    if (elapsed < roundMs) opsPerRound = Math.min(opsPerRound * 2, 1 << 20);
  }
  const perOpUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < opsPerRound; i++) sink = op();
    perOpUs.push(((performance.now() - t0) * 1000) / opsPerRound);
  }
  keep(sink);
  return summarize(name, bytesPerOp, perOpUs);
}

/**
 * A Measurement from timings taken elsewhere: the median of `perOpUs` (each a round's mean µs per
 * operation), and the p99 of `singleOpUs` when single operations were timed, else of `perOpUs`.
 * Both arrays are sorted in place.
 */
export function summarize(name: string, bytesPerOp: number, perOpUs: number[], singleOpUs: number[] = perOpUs): Measurement {
  perOpUs.sort((a, b) => a - b);
  if (singleOpUs !== perOpUs) singleOpUs.sort((a, b) => a - b);
  const medianUs = perOpUs[Math.floor(perOpUs.length / 2)]!;
  const p99Us = singleOpUs[Math.min(singleOpUs.length - 1, Math.floor(singleOpUs.length * 0.99))]!;
  const mbPerSec = bytesPerOp > 0 ? bytesPerOp / medianUs : NaN;
  return { name, medianUs, p99Us, mbPerSec };
}

let kept: unknown;
/** Keeps a result reachable so the optimiser cannot drop the work that produced it. */
export function keep(value: unknown): void {
  kept = value;
}
export function lastKept(): unknown {
  return kept;
}

export interface TableOptions {
  /** Adds an ops/s column (operations per second at the median), e.g. batches/s. */
  readonly opsPerSecLabel?: string;
}

/** Each row's ratio is to its own `baseline` if it has one, else to the table's `baseline`. */
export function printTable(title: string, rows: readonly Measurement[], baseline?: Measurement, options: TableOptions = {}): void {
  const opsLabel = options.opsPerSecLabel;
  console.log(`\n${title}`);
  console.log(`| operation | median µs/op | p99 µs/op | MB/s |${opsLabel ? ` ${opsLabel} |` : ''} vs baseline |`);
  console.log(`|---|---:|---:|---:|${opsLabel ? '---:|' : ''}---:|`);
  for (const m of rows) {
    const against = m.baseline ?? baseline;
    const ratio = against && Number.isFinite(m.mbPerSec) ? `${(m.mbPerSec / against.mbPerSec).toFixed(2)}×` : '';
    const mbs = Number.isFinite(m.mbPerSec) ? m.mbPerSec.toFixed(0) : '';
    const ops = opsLabel ? ` ${(1e6 / m.medianUs).toFixed(0)} |` : '';
    console.log(`| ${m.name} | ${m.medianUs.toFixed(2)} | ${m.p99Us.toFixed(2)} | ${mbs} |${ops} ${ratio} |`);
  }
}

export function environment(): string {
  return `node ${process.version}, ${process.platform}/${process.arch}`;
}

/** CPU model and count, for result files (wall-clock figures mean little without them). */
export function machine(): string {
  const all = cpus();
  return `${all.length} × ${all[0]?.model ?? 'unknown cpu'}`;
}

/** The checked-out commit, with `+dirty` when the tree has changes; 'unknown' outside git. */
export function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
