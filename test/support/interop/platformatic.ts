/**
 * @platformatic/kafka 1.x (npm devDependency; 2.x needs Node 22): Admin, a Producer, and a
 * Consumer used only through `fetch()`, which sends Fetch (by topic id, v13+) to a chosen broker
 * without joining a group — its group consumer needs the coordinator APIs. zstd is offered only
 * where Node's zlib has it (Node 22.15+), so it is tested only there.
 */
import type * as Platformatic from '@platformatic/kafka';
import { type ExternalClient, packageVersion } from './external-client.js';
import type { Codec, ConsumedRecord, RecordAck, RecordToProduce } from './interop-records.js';

type PlatformaticModule = typeof Platformatic;

async function load(): Promise<{ module: PlatformaticModule | null; client: ExternalClient }> {
  try {
    const module = await import('@platformatic/kafka');
    return { module, client: { name: '@platformatic/kafka', command: '', version: packageVersion('@platformatic/kafka'), isAvailable: true, missingReason: '' } };
  } catch (err) {
    const reason = `@platformatic/kafka not loadable (${(err as Error).message.split('\n')[0]}); it is a devDependency, run npm ci`;
    return { module: null, client: { name: '@platformatic/kafka', command: '', version: '', isAvailable: false, missingReason: reason } };
  }
}

const loaded = await load();
export const platformatic: ExternalClient = loaded.client;

function kafka(): PlatformaticModule {
  if (!loaded.module) throw new Error(loaded.client.missingReason);
  return loaded.module;
}

/** The codecs this client can write on this Node version. */
export function platformaticCodecs(): Codec[] {
  const algorithms = kafka().compressionsAlgorithms;
  return (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).filter((c) => algorithms[c].available);
}

export async function platformaticCreateTopic(bootstrap: string, topic: string, partitions: number): Promise<string[]> {
  const admin = new (kafka().Admin)({ clientId: 'samsa-interop', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    return await admin.listTopics();
  } finally {
    await admin.close();
  }
}

/** Sends `records` in one call with acks=all; each record's offset follows from its partition's base offset. */
export async function platformaticProduce(bootstrap: string, topic: string, records: readonly RecordToProduce[], codec: Codec = 'none'): Promise<RecordAck[]> {
  const producer = new (kafka().Producer)({ clientId: 'samsa-interop', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    const result = await producer.send({
      acks: -1, compression: codec,
      messages: records.map((r) => ({
        topic, partition: r.partition, key: r.key ?? undefined, value: r.value ?? undefined,
        headers: new Map(r.headers.map((h) => [Buffer.from(h.key), h.value ?? Buffer.alloc(0)])),
        ...(r.timestamp === undefined ? {} : { timestamp: BigInt(r.timestamp) }),
      })),
    });
    const baseOffsets = new Map((result.offsets ?? []).map((o) => [o.partition, Number(o.offset)]));
    const seen = new Map<number, number>();
    return records.map((r) => {
      const index = seen.get(r.partition) ?? 0;
      seen.set(r.partition, index + 1);
      const base = baseOffsets.get(r.partition);
      return { partition: r.partition, offset: base === undefined ? -1 : base + index, errorCode: base === undefined ? -1 : 0, error: base === undefined ? 'no offset reported' : null };
    });
  } finally {
    await producer.close();
  }
}

/** Reads `partitions` from offset 0 to the high watermark with Fetch requests, outside any group. */
export async function platformaticFetch(bootstrap: string, topic: string, partitions: readonly number[]): Promise<ConsumedRecord[]> {
  const consumer = new (kafka().Consumer)({ clientId: 'samsa-interop', groupId: 'samsa-interop', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const topicMetadata = metadata.topics.get(topic)!;
    const records: ConsumedRecord[] = [];
    for (const partition of partitions) {
      const leader = topicMetadata.partitions[partition]!.leader;
      let fetchOffset = 0n;
      for (let round = 0; round < 1000; round++) {
        const res = await consumer.fetch({
          node: leader, maxWaitTime: 0, minBytes: 1, maxBytes: 16 << 20,
          topics: [{ topicId: topicMetadata.id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: 16 << 20 }] }],
        });
        const data = res.responses[0]!.partitions[0]!;
        if (data.errorCode !== 0) throw new Error(`@platformatic/kafka fetch ${topic}-${partition}: error ${data.errorCode}`);
        for (const batch of data.records ?? []) {
          for (const r of batch.records) {
            const offset = batch.firstOffset + BigInt(r.offsetDelta);
            if (offset < fetchOffset) continue;
            records.push({
              partition, offset: Number(offset), timestamp: Number(batch.firstTimestamp + r.timestampDelta), key: r.key, value: r.value,
              headers: r.headers.map(([key, value]) => ({ key: key?.toString('utf8') ?? '', value })),
            });
          }
          fetchOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
        }
        if (fetchOffset >= data.highWatermark || (data.records ?? []).length === 0) break;
      }
    }
    return records;
  } finally {
    await consumer.close();
  }
}

/** ListOffsets through the Consumer: per partition, the offset for `timestamp` (-1 latest, -2 earliest). */
export async function platformaticListOffsets(bootstrap: string, topic: string, timestamp: bigint): Promise<number[]> {
  const consumer = new (kafka().Consumer)({ clientId: 'samsa-interop', groupId: 'samsa-interop', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    const offsets = await consumer.listOffsets({ topics: [topic], timestamp });
    return (offsets.get(topic) ?? []).map(Number);
  } finally {
    await consumer.close();
  }
}
