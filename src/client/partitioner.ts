/**
 * Which partition a record goes to, as Kafka's Java producer decides it, so a key lands in the
 * same partition whichever client wrote it:
 *
 * - a keyed record: `toPositive(murmur2(keyBytes)) % partitionCount` (Java's
 *   `BuiltInPartitioner.partitionForKey`), with murmur2 bit-identical to Java's `Utils.murmur2`;
 * - a record without a key: the topic's sticky partition (KIP-480), which moves round-robin to the
 *   next partition each time a batch for it is sent, so null-key records fill whole batches
 *   while still spreading over every partition.
 */

/** A pluggable partitioner. `onNewBatch` is told when a batch for `partition` is sent. */
export interface Partitioner {
  partition(topic: string, key: Buffer | null, partitionCount: number): number;
  onNewBatch?(topic: string, partition: number, partitionCount: number): void;
}

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * MurmurHash2, 32-bit, exactly as Kafka's `Utils.murmur2(byte[])`: Java's int arithmetic (wrapping
 * multiplication, `>>>` on 32 bits) done with Math.imul and `| 0`. Returns a signed 32-bit int.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // Java's switch falls through from case 3 to case 1.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, which fails for INT32_MIN). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Java's producer picks for a keyed record. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

export class DefaultPartitioner implements Partitioner {
  /** Topic → its sticky partition for records without a key. */
  private readonly sticky = new Map<string, number>();

  /** `random` picks each topic's first sticky partition; injectable for tests. */
  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, key: Buffer | null, partitionCount: number): number {
    if (!Number.isInteger(partitionCount) || partitionCount <= 0) throw new RangeError(`topic ${topic} has no partitions to choose from`);
    if (key !== null) return partitionForKey(key, partitionCount);
    let sticky = this.sticky.get(topic);
    if (sticky === undefined || sticky >= partitionCount) {
      sticky = Math.floor(this.random() * partitionCount) % partitionCount;
      this.sticky.set(topic, sticky);
    }
    return sticky;
  }

  onNewBatch(topic: string, partition: number, partitionCount: number): void {
    if (this.sticky.get(topic) === partition) this.sticky.set(topic, (partition + 1) % partitionCount);
  }
}
