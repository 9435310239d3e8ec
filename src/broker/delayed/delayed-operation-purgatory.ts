/**
 * DelayedOperationPurgatory: holds operations that wait for something to happen on partitions
 * (a long-poll Fetch waiting for `min.bytes`, later an acks=all Produce waiting for followers)
 * until they can complete or their deadline passes.
 *
 * Operations are indexed by the partition keys they watch, so an append wakes only the operations
 * watching its partition. Deadlines share one timer, set for the earliest one (Kafka's
 * DelayedOperation + purgatory timing wheel, in miniature): no timer per waiting request.
 */

export interface DelayedOperation {
  /** Partition keys ("topic-partition") whose progress may let it complete. */
  readonly keys: readonly string[];
  readonly deadlineMs: number;
  /** Called when a watched partition progressed; true if the operation completed. */
  tryComplete(key: string, bytes: number): boolean;
  /** The deadline passed (or the broker is stopping): complete with what there is. */
  forceComplete(): void;
}

export class DelayedOperationPurgatory {
  private readonly watchers = new Map<string, Set<DelayedOperation>>();
  private readonly pending = new Set<DelayedOperation>();
  private timer: NodeJS.Timeout | null = null;
  private timerDeadline = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: () => number) {}

  get size(): number {
    return this.pending.size;
  }

  add(op: DelayedOperation): void {
    this.pending.add(op);
    for (const key of op.keys) {
      let set = this.watchers.get(key);
      if (!set) {
        set = new Set();
        this.watchers.set(key, set);
      }
      set.add(op);
    }
    if (op.deadlineMs < this.timerDeadline) this.schedule(op.deadlineMs);
  }

  /** A partition progressed by `bytes`: operations watching it may complete. */
  checkAndComplete(key: string, bytes: number): void {
    const set = this.watchers.get(key);
    if (!set) return;
    for (const op of [...set]) {
      if (op.tryComplete(key, bytes)) this.remove(op);
    }
  }

  private remove(op: DelayedOperation): void {
    this.pending.delete(op);
    for (const key of op.keys) {
      const set = this.watchers.get(key);
      if (!set) continue;
      set.delete(op);
      if (set.size === 0) this.watchers.delete(key);
    }
  }

  private schedule(deadlineMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerDeadline = deadlineMs;
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadlineMs - this.clock()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = null;
    this.timerDeadline = Number.POSITIVE_INFINITY;
    const now = this.clock();
    let next = Number.POSITIVE_INFINITY;
    for (const op of [...this.pending]) {
      if (op.deadlineMs <= now) {
        this.remove(op);
        op.forceComplete();
      } else if (op.deadlineMs < next) {
        next = op.deadlineMs;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
  }

  /** Completes everything now (shutdown). */
  shutdown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const op of [...this.pending]) {
      this.remove(op);
      op.forceComplete();
    }
  }
}
