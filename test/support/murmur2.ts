/**
 * Kafka's key hash, bit for bit: Java's `Utils.murmur2` (MurmurHash2, seed 0x9747b28c, 32-bit
 * two's-complement arithmetic), then the default partitioner's `toPositive(hash) % numPartitions`.
 * Tests compute with it where a client's keyed records must land, to judge clients that claim to
 * partition as the Java producer does (librdkafka's `murmur2_random`, kafkajs's DefaultPartitioner).
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Java's `Utils.murmur2(byte[])`: a signed 32-bit hash. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    let k = data.readInt32LE(i * 4);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through from the highest remaining byte down to the multiply.
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining >= 3) h ^= data[tail + 2]! << 16;
  if (remaining >= 2) h ^= data[tail + 1]! << 8;
  if (remaining >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which fails on INT32_MIN). */
export function toPositive(hash: number): number {
  return hash & 0x7fffffff;
}

/** The partition the Java client's default partitioner picks for a non-null key. */
export function partitionForKey(key: Buffer, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}
