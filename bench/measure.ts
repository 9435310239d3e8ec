/**
 * Timing for benchmarks: warm up, then time repeated rounds of an operation and report the median
 * and p99 per operation and the throughput. Wall-clock figures on a shared machine are noisy;
 * every benchmark therefore prints a baseline measured in the same run and the ratio to it.
 */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly name: string;
  readonly medianUs: number;
  readonly p99Us: number;
  /** MB/s at the median (10^6 bytes), or NaN when the operation has no byte size. */
  readonly mbPerSec: number;
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
  perOpUs.sort((a, b) => a - b);
  const medianUs = perOpUs[Math.floor(perOpUs.length / 2)]!;
  const p99Us = perOpUs[Math.min(perOpUs.length - 1, Math.floor(perOpUs.length * 0.99))]!;
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

export function printTable(title: string, rows: readonly Measurement[], baseline?: Measurement): void {
  console.log(`\n${title}`);
  console.log('| operation | median µs/op | p99 µs/op | MB/s | vs baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const m of rows) {
    const ratio = baseline && Number.isFinite(m.mbPerSec) ? `${(m.mbPerSec / baseline.mbPerSec).toFixed(2)}×` : '';
    const mbs = Number.isFinite(m.mbPerSec) ? m.mbPerSec.toFixed(0) : '';
    console.log(`| ${m.name} | ${m.medianUs.toFixed(2)} | ${m.p99Us.toFixed(2)} | ${mbs} | ${ratio} |`);
  }
}

export function environment(): string {
  return `node ${process.version}, ${process.platform}/${process.arch}`;
}
