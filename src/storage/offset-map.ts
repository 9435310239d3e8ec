/**
 * OffsetMap: for one compaction pass, each record key's latest offset in the dirty section of a
 * log (Kafka's cleaner calls this its offset map; its SkimpyOffsetMap keeps MD5 hashes in a fixed
 * buffer).
 *
 * Keys up to SHORT_KEY_BYTES are held exactly, as one-byte (latin1) strings; longer keys by their
 * SHA-256 digest, so memory per entry stays bounded. A prefix character keeps the two forms
 * apart. `maxEntries` bounds the distinct keys one pass maps: the cleaner stops adding segments
 * once the map is full and cleans up to there, leaving the rest dirty for the next pass.
 */
import { createHash } from 'node:crypto';

const SHORT_KEY_BYTES = 64;
/** No record of the key was mapped. */
export const NO_OFFSET = -1;

export class OffsetMap {
  private readonly offsets = new Map<string, number>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.offsets.size;
  }

  get isFull(): boolean {
    return this.offsets.size >= this.maxEntries;
  }

  /** Records `offset` for `key`; offsets are offered in ascending order, so the last one wins. */
  put(key: Buffer, offset: number): void {
    this.offsets.set(mapKey(key), offset);
  }

  /** The latest mapped offset of `key`, or NO_OFFSET. */
  latestOffset(key: Buffer): number {
    return this.offsets.get(mapKey(key)) ?? NO_OFFSET;
  }
}

function mapKey(key: Buffer): string {
  if (key.length <= SHORT_KEY_BYTES) return 's' + key.toString('latin1');
  return 'h' + createHash('sha256').update(key).digest().toString('latin1');
}
