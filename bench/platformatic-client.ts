/**
 * @platformatic/kafka 1.x (a devDependency) as a benchmark client, in this process: a Producer
 * sending 1 000 records of 1 KiB per `send` (one batch, just under max.message.bytes) with a few
 * sends in flight, and a Consumer used only through `fetch()` (Fetch by topic id to the leader,
 * no group: Samsa has no group coordinator yet). On Node 20 it has no zstd.
 *
 * It only speaks ApiVersions v3 and up; librdkafka's mock cluster answers only up to v2 (its v3
 * answer lacks the flexible-version fields), so this client has no mock-cluster baseline.
 */
import { Consumer, Producer } from '@platformatic/kafka';
import { performance } from 'node:perf_hooks';
import { RECORD_BYTES, summarizeLatencies, type LatencySummary, type Throughput } from './rdkafka-performance.js';

const RECORDS_PER_SEND = 1000;
const SENDS_IN_FLIGHT = 4;
const WARMUP_SENDS = 20;
const PARTITION_MAX_BYTES = 1 << 20;
const FETCH_MAX_BYTES = 50 << 20;
const CLIENT_ID = 'samsa-bench';

export type PlatformaticCodec = 'none' | 'lz4';

/** rdkafka_performance's default payload, so both clients send equally compressible values. */
export function patternValue(): Buffer {
  return Buffer.alloc(RECORD_BYTES, 'librdkafka_performance testing!');
}

function throughput(records: number, elapsedMs: number): Throughput {
  return { records, elapsedMs, recordsPerSec: (records * 1000) / elapsedMs, mbPerSec: (records * RECORD_BYTES) / (elapsedMs * 1000) };
}

/** Sends `records` records to partition 0 of `topic` (after a warm-up of a few sends), timed. */
export async function platformaticProduce(bootstrap: string, topic: string, records: number, acks: number, compression: PlatformaticCodec): Promise<Throughput> {
  const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 0, autocreateTopics: false });
  const value = patternValue();
  const messages = Array.from({ length: RECORDS_PER_SEND }, () => ({ topic, partition: 0, value }));
  try {
    for (let i = 0; i < WARMUP_SENDS; i++) await producer.send({ messages, acks, compression });
    const sends = Math.ceil(records / RECORDS_PER_SEND);
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      let issued = 0;
      let finished = 0;
      const issue = (): void => {
        while (issued < sends && issued - finished < SENDS_IN_FLIGHT) {
          issued++;
          producer.send({ messages, acks, compression }).then(() => {
            finished++;
            if (finished === sends) resolve();
            else issue();
          }, reject);
        }
      };
      issue();
    });
    return throughput(sends * RECORDS_PER_SEND, performance.now() - start);
  } finally {
    await producer.close();
  }
}

interface FetchTarget {
  readonly consumer: Consumer;
  readonly node: number;
  readonly topicId: string;
}

async function fetchTarget(bootstrap: string, topic: string): Promise<FetchTarget> {
  const consumer = new Consumer({ clientId: CLIENT_ID, groupId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 0 });
  const metadata = await consumer.metadata({ topics: [topic] });
  const topicMetadata = metadata.topics.get(topic);
  if (!topicMetadata) throw new Error(`no metadata for ${topic}`);
  return { consumer, node: topicMetadata.partitions[0]!.leader, topicId: topicMetadata.id };
}

/** One Fetch of partition 0 at `fetchOffset`: the record batches, decoded by the client. */
async function fetchOnce(target: FetchTarget, fetchOffset: bigint, maxWaitTime: number) {
  const response = await target.consumer.fetch({
    node: target.node, maxWaitTime, minBytes: 1, maxBytes: FETCH_MAX_BYTES,
    topics: [{ topicId: target.topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: PARTITION_MAX_BYTES }] }],
  });
  const data = response.responses[0]!.partitions[0]!;
  if (data.errorCode !== 0) throw new Error(`@platformatic/kafka fetch at ${fetchOffset}: error ${data.errorCode}`);
  return data.records ?? [];
}

/** Reads `records` records of partition 0 from offset 0, one Fetch at a time, timed from the first request. */
export async function platformaticConsume(bootstrap: string, topic: string, records: number): Promise<Throughput> {
  const target = await fetchTarget(bootstrap, topic);
  try {
    let fetchOffset = 0n;
    let received = 0;
    const start = performance.now();
    for (let round = 0; received < records && round < 100_000; round++) {
      const batches = await fetchOnce(target, fetchOffset, 500);
      for (const batch of batches) {
        received += batch.records.length;
        fetchOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
    }
    if (received < records) throw new Error(`read ${received} of ${records} records of ${topic}`);
    return throughput(received, performance.now() - start);
  } finally {
    await target.consumer.close();
  }
}

export interface PacedLatency {
  /** End to end: send() called → record returned by the consumer's fetch. */
  readonly endToEnd: LatencySummary;
  /** send() called → its acknowledgement (acks=1). */
  readonly ack: LatencySummary;
  /** The rate actually produced, 10^6 bytes of values per second. */
  readonly mbPerSec: number;
}

/**
 * End-to-end latency at a fixed rate: every `intervalMs` one send of the records due at
 * `mbPerSec`, each value carrying its send time; a consumer in this process long-polls
 * (maxWaitTime 500 ms, minBytes 1) and takes the difference on receipt. One clock, no skew.
 */
export async function platformaticLatency(bootstrap: string, topic: string, mbPerSec: number, durationMs: number): Promise<PacedLatency> {
  const intervalMs = 2;
  const recordsPerSend = Math.max(1, Math.round((mbPerSec * 1e6 * intervalMs) / 1000 / RECORD_BYTES));
  const sends = Math.floor(durationMs / intervalMs);
  const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 0, autocreateTopics: false });
  const target = await fetchTarget(bootstrap, topic);
  await producer.metadata({ topics: [topic] });
  const endToEndUs: number[] = [];
  const ackUs: number[] = [];
  const expected = sends * recordsPerSend;
  const deadline = performance.now() + durationMs + 15_000;
  const consuming = (async () => {
    let fetchOffset = 0n;
    while (endToEndUs.length < expected && performance.now() < deadline) {
      const batches = await fetchOnce(target, fetchOffset, 500);
      const now = performance.now();
      for (const batch of batches) {
        for (const r of batch.records) endToEndUs.push((now - r.value!.readDoubleLE(0)) * 1000);
        fetchOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
    }
  })();
  try {
    const start = performance.now();
    const acked: Promise<void>[] = [];
    for (let i = 0; i < sends; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const value = patternValue();
      const sentAt = performance.now();
      value.writeDoubleLE(sentAt, 0);
      const messages = Array.from({ length: recordsPerSend }, () => ({ topic, partition: 0, value }));
      acked.push(producer.send({ messages, acks: 1 }).then(() => { ackUs.push((performance.now() - sentAt) * 1000); }));
    }
    await Promise.all(acked);
    const elapsedMs = performance.now() - start;
    await consuming;
    if (endToEndUs.length < expected) throw new Error(`the consumer received ${endToEndUs.length} of ${expected} records of ${topic}`);
    return { endToEnd: summarizeLatencies(endToEndUs), ack: summarizeLatencies(ackUs), mbPerSec: (expected * RECORD_BYTES) / (elapsedMs * 1000) };
  } finally {
    await consuming.catch(() => undefined);
    await Promise.allSettled([producer.close(), target.consumer.close()]);
  }
}
