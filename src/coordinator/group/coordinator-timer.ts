/**
 * CoordinatorTimer: the group coordinator's deadlines (session expiry, rebalance and join
 * timeouts, the initial rebalance delay), keyed so that rescheduling a key replaces its deadline
 * and a key can be cancelled. Time comes from a Scheduler, so tests and the model test drive it
 * by hand (test/support/manual-scheduler.ts) instead of waiting.
 */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and Node's timers, unref'd so a pending deadline never keeps a process alive. */
export const SYSTEM_SCHEDULER: Scheduler = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export class CoordinatorTimer {
  private readonly timers = new Map<string, unknown>();

  constructor(readonly scheduler: Scheduler = SYSTEM_SCHEDULER) {}

  now(): number {
    return this.scheduler.now();
  }

  /** Runs `fn` after `delayMs` unless cancelled or rescheduled first; replaces any deadline under `key`. */
  schedule(key: string, delayMs: number, fn: () => void): void {
    this.cancel(key);
    const handle = this.scheduler.setTimeout(() => {
      if (this.timers.get(key) !== handle) return;
      this.timers.delete(key);
      fn();
    }, delayMs);
    this.timers.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.timers.get(key);
    if (handle === undefined) return;
    this.timers.delete(key);
    this.scheduler.clearTimeout(handle);
  }

  isScheduled(key: string): boolean {
    return this.timers.has(key);
  }

  /** Stops every deadline (coordinator shutdown or resignation). */
  cancelAll(): void {
    for (const handle of this.timers.values()) this.scheduler.clearTimeout(handle);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
