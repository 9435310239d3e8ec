/**
 * FileHandleCache: bounds the file descriptors the logs hold open. Thousands of partitions with
 * several segments each must not exhaust the process's descriptors, so segments open their
 * `.log` file through this cache, which closes the least recently used descriptors beyond
 * `maxOpen`.
 *
 * A descriptor is closed only while nobody holds it: an asynchronous read acquires it for the
 * duration of the read, so eviction can never close (and the OS then reuse) a descriptor under
 * an in-flight read.
 *
 * A descriptor forgotten while held (its file renamed `.deleted` by retention or compaction)
 * leaves the path at once: it drains, keyed by descriptor, until its holders release it, so a
 * new file at the same path (a compacted segment takes its predecessor's name) gets its own.
 *
 * Held descriptors cannot be evicted, so holders that keep one across an await (reads, fsyncs)
 * take it with `acquireAsync` when the bound is held (`isFullyHeld`), which waits for a release:
 * a burst of them (a fetch across thousands of partitions, thousands of logs rolling and flushing
 * at once) then never opens more than `maxOpen` descriptors. Synchronous holders never wait; one
 * slot is kept for them.
 */
import { closeSync, constants, openSync } from 'node:fs';

interface Entry {
  fd: number;
  refs: number;
}

const OPEN_FLAGS = constants.O_RDWR;

export class FileHandleCache {
  /** Insertion order is recency order: the first entries are the least recently used. */
  private readonly entries = new Map<string, Entry>();
  /** Forgotten while held, by descriptor; closed when the last holder releases it. */
  private readonly draining = new Map<number, Entry>();
  /** Descriptors with at least one holder: entries with refs, and every draining one. */
  private held = 0;
  /** `acquireAsync` callers waiting for a held descriptor to be released. */
  private readonly waiting: (() => void)[] = [];

  constructor(readonly maxOpen: number) {}

  get openCount(): number {
    return this.entries.size + this.draining.size;
  }

  /** The descriptor for `path`, opened (and, with `create`, created) if needed; pair with `release`. */
  acquire(path: string, create = false): number {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path);
    } else {
      // Only a new segment creates its file: a read or flush that outlived its segment's deletion
      // must fail (ENOENT), not bring the file back empty for the next start to find.
      entry = { fd: openSync(path, create ? OPEN_FLAGS | constants.O_CREAT : OPEN_FLAGS, 0o644), refs: 0 };
    }
    if (entry.refs++ === 0) this.held++;
    this.entries.set(path, entry);
    this.evict();
    return entry.fd;
  }

  /** Whether a holder that keeps a descriptor across an await must take it with `acquireAsync`. */
  get isFullyHeld(): boolean {
    return this.held >= Math.max(1, this.maxOpen - 1);
  }

  /**
   * `acquire` for a holder that keeps the descriptor across an await: waits until a held one is
   * released, then acquires `pathOf()` in the same step as the check (so two waiters woken
   * together cannot both pass it), reading the path only then, as a segment may be renamed while
   * it waits.
   */
  async acquireAsync(pathOf: () => string): Promise<number> {
    while (this.isFullyHeld) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.acquire(pathOf());
  }

  private releaseHold(): void {
    this.held--;
    this.waiting.shift()?.();
  }

  /**
   * Gives back a descriptor `acquire` returned. Holders that may await between the two pass `fd`,
   * since the path may have been forgotten (and reopened) meanwhile.
   */
  release(path: string, fd?: number): void {
    const entry = this.entries.get(path);
    if (entry && (fd === undefined || entry.fd === fd)) {
      if (--entry.refs === 0) this.releaseHold();
      return;
    }
    const drained = fd === undefined ? undefined : this.draining.get(fd);
    if (!drained) return;
    drained.refs--;
    if (drained.refs === 0) {
      this.draining.delete(fd!);
      closeDescriptor(drained.fd);
      this.releaseHold();
    }
  }

  /** Closes `path`'s descriptor now, or as soon as its last holder releases it. */
  forget(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    if (entry.refs === 0) {
      this.closeEntry(path, entry);
      return;
    }
    this.entries.delete(path);
    this.draining.set(entry.fd, entry);
  }

  closeAll(): void {
    for (const [path, entry] of [...this.entries]) this.closeEntry(path, entry);
    for (const entry of this.draining.values()) closeDescriptor(entry.fd);
    this.draining.clear();
    this.held = 0;
    for (const wake of this.waiting.splice(0)) wake();
  }

  private evict(): void {
    if (this.openCount <= this.maxOpen) return;
    for (const [path, entry] of this.entries) {
      if (this.openCount <= this.maxOpen) return;
      if (entry.refs === 0) this.closeEntry(path, entry);
    }
  }

  private closeEntry(path: string, entry: Entry): void {
    this.entries.delete(path);
    closeDescriptor(entry.fd);
  }
}

function closeDescriptor(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed by a failed device; nothing left to release.
  }
}
