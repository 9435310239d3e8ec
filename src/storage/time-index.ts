/**
 * TimeIndex: the sparse timestamp index of one segment, for ListOffsets by timestamp and for
 * time-based retention.
 *
 * On disk (`<baseOffset>.timeindex`, Kafka's layout): 12-byte entries of an 8-byte timestamp and
 * a 4-byte offset relative to the segment's base offset, big-endian. Timestamps strictly ascend:
 * an entry (T, O) says the records up to offset O have timestamps of at most T, so the first
 * record with a timestamp >= target lies after the last entry whose timestamp is below target.
 *
 * Kept in memory and written whole like OffsetIndex, and rebuilt the same way after a crash.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const ENTRY_SIZE = 12;
const TWO_POW_32 = 4294967296;

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

export class TimeIndex {
  private entries: Buffer;
  private count = 0;
  readonly maxEntries: number;

  constructor(readonly baseOffset: number, maxIndexBytes: number) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / ENTRY_SIZE));
    this.entries = Buffer.allocUnsafe(Math.min(this.maxEntries, 256) * ENTRY_SIZE);
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  private timestampAt(i: number): number {
    const at = i * ENTRY_SIZE;
    return this.entries.readInt32BE(at) * TWO_POW_32 + this.entries.readUInt32BE(at + 4);
  }

  private offsetAt(i: number): number {
    return this.baseOffset + this.entries.readUInt32BE(i * ENTRY_SIZE + 8);
  }

  get lastEntry(): TimestampOffset {
    if (this.count === 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.timestampAt(this.count - 1), offset: this.offsetAt(this.count - 1) };
  }

  /** Adds (timestamp, offset) if the timestamp is above the last entry's and the offset not below. */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    if (!skipFullCheck && this.isFull) return;
    if (this.count > 0 && (timestamp <= this.timestampAt(this.count - 1) || offset < this.offsetAt(this.count - 1))) return;
    if ((this.count + 1) * ENTRY_SIZE > this.entries.length) this.grow();
    const at = this.count * ENTRY_SIZE;
    const high = Math.floor(timestamp / TWO_POW_32);
    this.entries.writeInt32BE(high, at);
    this.entries.writeUInt32BE(timestamp - high * TWO_POW_32, at + 4);
    this.entries.writeUInt32BE(offset - this.baseOffset, at + 8);
    this.count++;
  }

  private grow(): void {
    const capacity = Math.max(1, this.entries.length / ENTRY_SIZE) * 2;
    const next = Buffer.allocUnsafe(capacity * ENTRY_SIZE);
    this.entries.copy(next, 0, 0, this.count * ENTRY_SIZE);
    this.entries = next;
  }

  /** The entry with the largest timestamp <= target, or (-1, baseOffset) when there is none. */
  lookup(targetTimestamp: number): TimestampOffset {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) <= targetTimestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.timestampAt(found), offset: this.offsetAt(found) };
  }

  truncateTo(offset: number): void {
    while (this.count > 0 && this.offsetAt(this.count - 1) >= offset) this.count--;
  }

  clear(): void {
    this.count = 0;
  }

  isSane(): boolean {
    for (let i = 1; i < this.count; i++) {
      if (this.timestampAt(i) <= this.timestampAt(i - 1) || this.offsetAt(i) < this.offsetAt(i - 1)) return false;
    }
    return true;
  }

  writeTo(path: string): void {
    writeFileSync(path, this.entries.subarray(0, this.count * ENTRY_SIZE));
  }

  loadFrom(path: string): void {
    const bytes = readFileSync(path);
    const count = Math.floor(bytes.length / ENTRY_SIZE);
    this.entries = Buffer.allocUnsafe(Math.max(count, 16) * ENTRY_SIZE);
    bytes.copy(this.entries, 0, 0, count * ENTRY_SIZE);
    this.count = count;
  }
}
