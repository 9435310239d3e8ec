/**
 * node-rdkafka (npm devDependency; builds its bundled librdkafka at install): a Producer with
 * delivery reports (`dr_cb`), and a KafkaConsumer given partitions with `assign()` — a group id is
 * configured because librdkafka's KafkaConsumer requires one, but nothing subscribes or commits.
 */
import type * as Rdkafka from 'node-rdkafka';
import { type ExternalClient, packageVersion } from './external-client.js';
import type { Codec, ConsumedRecord, RecordAck, RecordToProduce } from './interop-records.js';

type RdkafkaModule = typeof Rdkafka;

async function load(): Promise<{ module: RdkafkaModule | null; client: ExternalClient }> {
  try {
    const imported = (await import('node-rdkafka')) as RdkafkaModule & { default?: RdkafkaModule };
    const module = imported.default ?? imported;
    return { module, client: { name: 'node-rdkafka', command: '', version: `${packageVersion('node-rdkafka')} (librdkafka ${module.librdkafkaVersion})`, isAvailable: true, missingReason: '' } };
  } catch (err) {
    const reason = `node-rdkafka not loadable (${(err as Error).message.split('\n')[0]}); npm ci builds it (needs libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev)`;
    return { module: null, client: { name: 'node-rdkafka', command: '', version: '', isAvailable: false, missingReason: reason } };
  }
}

const loaded = await load();
export const nodeRdkafka: ExternalClient = loaded.client;

function rdkafka(): RdkafkaModule {
  if (!loaded.module) throw new Error(loaded.client.missingReason);
  return loaded.module;
}

/** A partition of -1 leaves the choice to the configured partitioner. */
export interface RdkafkaProduceOptions {
  readonly codec?: Codec;
  readonly partitioner?: string;
  readonly timeoutMs?: number;
}

/** Produces with acks=all; resolves with one delivery report per record, in the records' order. */
export async function rdkafkaProduce(bootstrap: string, topic: string, records: readonly RecordToProduce[], options: RdkafkaProduceOptions = {}): Promise<RecordAck[]> {
  const producer = new (rdkafka().Producer)({
    'metadata.broker.list': bootstrap, dr_cb: true, 'linger.ms': 50,
    'compression.codec': options.codec ?? 'none',
  }, { 'request.required.acks': -1, partitioner: options.partitioner ?? 'consistent_random' });
  const acks: (RecordAck | undefined)[] = new Array(records.length);
  let reported = 0;
  try {
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(new Error(err.message)) : resolve())));
    producer.setPollInterval(20);
    const allReported = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-rdkafka: ${reported}/${records.length} delivery reports after ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
      producer.on('delivery-report', (err, report) => {
        acks[report.opaque as number] = {
          partition: report.partition, offset: report.offset, timestamp: report.timestamp,
          errorCode: err ? err.code : 0, error: err ? err.message : null,
        };
        if (++reported === records.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    records.forEach((r, i) => {
      const hdrs = r.headers.map((h) => ({ [h.key]: h.value ?? Buffer.alloc(0) }));
      producer.produce(topic, r.partition < 0 ? null : r.partition, r.value, r.key, r.timestamp ?? null, i, hdrs);
    });
    producer.flush(20_000);
    await allReported;
    return acks as RecordAck[];
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(10_000, () => resolve()));
  }
}

/** Reads `partitions` from offset 0 to their end (partition EOF events). */
export async function rdkafkaConsume(bootstrap: string, topic: string, partitions: readonly number[], timeoutMs = 30_000): Promise<ConsumedRecord[]> {
  const consumer = new (rdkafka().KafkaConsumer)({
    'metadata.broker.list': bootstrap, 'group.id': 'samsa-interop', 'enable.auto.commit': false, 'enable.partition.eof': true,
  }, { 'auto.offset.reset': 'earliest' });
  const records: ConsumedRecord[] = [];
  try {
    await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(new Error(err.message)) : resolve())));
    // Partition → the offset its last EOF was reported at. EOF events can be emitted before the
    // messages fetched ahead of them reach consume(), so only a message at or past that offset
    // means the partition grew after its EOF.
    const atEnd = new Map<number, number>();
    consumer.on('partition.eof', (eof) => atEnd.set(eof.partition, eof.offset));
    consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0 })));
    const deadline = Date.now() + timeoutMs;
    while (atEnd.size < partitions.length) {
      if (Date.now() > deadline) throw new Error(`node-rdkafka consumer: only ${[...atEnd.keys()].join(',')} of ${partitions.join(',')} reached their end in ${timeoutMs} ms`);
      const batch = await new Promise<Rdkafka.Message[]>((resolve, reject) => consumer.consume(100, (err, messages) => (err ? reject(new Error(err.message)) : resolve(messages))));
      for (const m of batch) {
        if (m.offset >= (atEnd.get(m.partition) ?? Infinity)) atEnd.delete(m.partition);
        records.push({
          partition: m.partition, offset: m.offset, timestamp: m.timestamp ?? -1,
          key: m.key === null || m.key === undefined ? null : Buffer.from(m.key),
          value: m.value,
          headers: (m.headers ?? []).flatMap((h) => Object.entries(h).map(([key, value]) => ({ key, value: Buffer.from(value) }))),
        });
      }
    }
    return records;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
