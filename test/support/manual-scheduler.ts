/**
 * ManualScheduler: a Scheduler whose clock moves only when a test says so. `advance(ms)` runs every
 * deadline that falls due, in deadline order (ties in scheduling order), with `now()` set to each
 * deadline as it runs, so timers scheduled by a callback fire in the same advance when due.
 */
import type { Scheduler } from '../../src/coordinator/group/coordinator-timer.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class ManualScheduler implements Scheduler {
  private time: number;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { id, at: this.time + Math.max(0, delayMs), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves the clock forward by `ms`, running what falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending.values()) {
        if (p.at <= end && (next === undefined || p.at < next.at || (p.at === next.at && p.id < next.id))) next = p;
      }
      if (next === undefined) break;
      this.pending.delete(next.id);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
