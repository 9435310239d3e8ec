/**
 * OffsetIndex: the sparse index of one segment, mapping offsets to byte positions in its `.log`.
 *
 * On disk (`<baseOffset>.index`, Kafka's layout): 8-byte entries of a 4-byte offset relative to
 * the segment's base offset and a 4-byte position, both big-endian, ascending. An entry (O, P)
 * says the batch starting at position P ends at offset O, so a search for any offset >= O may
 * start reading at P. Entries are added at most every `index.interval.bytes` of appended data.
 *
 * The index lives in memory and is written out whole when its segment is flushed, rolled or
 * closed. It carries no checksum: after an unclean shutdown the segments past the recovery point
 * are re-scanned and their indexes rebuilt, and a loaded index that fails its sanity check is
 * rebuilt too.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const ENTRY_SIZE = 8;

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex {
  private entries: Buffer;
  private count = 0;
  readonly maxEntries: number;

  constructor(readonly baseOffset: number, maxIndexBytes: number) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / ENTRY_SIZE));
    this.entries = Buffer.allocUnsafe(Math.min(this.maxEntries, 512) * ENTRY_SIZE);
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get lastOffset(): number {
    return this.count === 0 ? this.baseOffset : this.baseOffset + this.entries.readUInt32BE((this.count - 1) * ENTRY_SIZE);
  }

  /** Adds an entry; offsets must ascend (a repeated or smaller offset is ignored). */
  append(offset: number, position: number): void {
    if (this.isFull) return;
    if (this.count > 0 && offset <= this.lastOffset) return;
    if ((this.count + 1) * ENTRY_SIZE > this.entries.length) this.grow();
    const at = this.count * ENTRY_SIZE;
    this.entries.writeUInt32BE(offset - this.baseOffset, at);
    this.entries.writeUInt32BE(position, at + 4);
    this.count++;
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, Math.max(1, this.entries.length / ENTRY_SIZE) * 2);
    const next = Buffer.allocUnsafe(capacity * ENTRY_SIZE);
    this.entries.copy(next, 0, 0, this.count * ENTRY_SIZE);
    this.entries = next;
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const relative = targetOffset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries.readUInt32BE(mid * ENTRY_SIZE) <= relative) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return {
      offset: this.baseOffset + this.entries.readUInt32BE(found * ENTRY_SIZE),
      position: this.entries.readUInt32BE(found * ENTRY_SIZE + 4),
    };
  }

  /** Drops every entry for an offset >= `offset` (the log is being truncated there). */
  truncateTo(offset: number): void {
    while (this.count > 0 && this.lastOffset >= offset) this.count--;
  }

  clear(): void {
    this.count = 0;
  }

  /** Entries must ascend and point inside a log of `logSize` bytes; false means rebuild. */
  isSane(logSize: number): boolean {
    let previous = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.entries.readUInt32BE(i * ENTRY_SIZE);
      const pos = this.entries.readUInt32BE(i * ENTRY_SIZE + 4);
      if (rel <= previous || pos >= logSize) return false;
      previous = rel;
    }
    return true;
  }

  writeTo(path: string): void {
    writeFileSync(path, this.entries.subarray(0, this.count * ENTRY_SIZE));
  }

  /** Loads entries written by `writeTo`; a trailing partial entry (torn write) is dropped. */
  loadFrom(path: string): void {
    const bytes = readFileSync(path);
    const count = Math.min(this.maxEntries, Math.floor(bytes.length / ENTRY_SIZE));
    this.entries = Buffer.allocUnsafe(Math.max(count, 16) * ENTRY_SIZE);
    bytes.copy(this.entries, 0, 0, count * ENTRY_SIZE);
    this.count = count;
  }
}
