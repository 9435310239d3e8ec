/**
 * FileHandleCache: bounds the file descriptors the logs hold open. Thousands of partitions with
 * several segments each must not exhaust the process's descriptors, so segments open their
 * `.log` file through this cache, which closes the least recently used descriptors beyond
 * `maxOpen`.
 *
 * A descriptor is closed only while nobody holds it: an asynchronous read acquires it for the
 * duration of the read, so eviction can never close (and the OS then reuse) a descriptor under
 * an in-flight read.
 */
import { closeSync, constants, openSync } from 'node:fs';

interface Entry {
  fd: number;
  refs: number;
  closeWhenIdle: boolean;
}

const OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT;

export class FileHandleCache {
  /** Insertion order is recency order: the first entries are the least recently used. */
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxOpen: number) {}

  get openCount(): number {
    return this.entries.size;
  }

  /** The descriptor for `path`, opened (and created) if needed; pair with `release`. */
  acquire(path: string): number {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path);
    } else {
      entry = { fd: openSync(path, OPEN_FLAGS, 0o644), refs: 0, closeWhenIdle: false };
    }
    entry.refs++;
    this.entries.set(path, entry);
    this.evict();
    return entry.fd;
  }

  release(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    entry.refs--;
    if (entry.refs === 0 && entry.closeWhenIdle) this.closeEntry(path, entry);
  }

  /** Closes `path`'s descriptor now, or as soon as its last holder releases it. */
  forget(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    if (entry.refs === 0) this.closeEntry(path, entry);
    else entry.closeWhenIdle = true;
  }

  closeAll(): void {
    for (const [path, entry] of [...this.entries]) this.closeEntry(path, entry);
  }

  private evict(): void {
    if (this.entries.size <= this.maxOpen) return;
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.maxOpen) return;
      if (entry.refs === 0) this.closeEntry(path, entry);
    }
  }

  private closeEntry(path: string, entry: Entry): void {
    this.entries.delete(path);
    try {
      closeSync(entry.fd);
    } catch {
      // Already closed by a failed device; nothing left to release.
    }
  }
}
