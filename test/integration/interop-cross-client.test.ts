import { describe, test } from 'node:test';
import { CompressionTypes, type IHeaders, Kafka, logLevel } from 'kafkajs';
import { COMPRESSION_LZ4, COMPRESSION_SNAPPY, COMPRESSION_ZSTD, compress, decompress } from '../../src/protocol/compression/index.js';
import { registerKafkajsCodec } from '../unit/protocol/record-batch/kafkajs-record-batch.js';
import { type ExternalClient, INTEROP_SUITE, IS_CI, needs, requireClients } from '../support/interop/external-client.js';
import { createTopic, startTestBroker } from '../support/interop/interop-broker.js';
import {
  type Codec, type ConsumedRecord, type RecordAck, type RecordToProduce, assertSameRecords, bytes, expectedFromAcks, headers, readStoredTopic,
} from '../support/interop/interop-records.js';
import { kcat, kcatConsume, kcatProduce } from '../support/interop/kcat.js';
import { nodeRdkafka, rdkafkaConsume, rdkafkaProduce } from '../support/interop/node-rdkafka.js';
import { platformatic, platformaticCodecs, platformaticFetch, platformaticProduce } from '../support/interop/platformatic.js';
import { confluentKafka, kafkaPython, pythonConsume, pythonProduce } from '../support/interop/python-clients.js';

const TOPIC = 'matrix';

interface Producer {
  readonly name: string;
  readonly client: ExternalClient | null;
  readonly codec: Codec;
  /** kcat cannot set timestamps; its records carry the time it sent them. */
  readonly setsTimestamps: boolean;
  produce(bootstrap: string, records: readonly RecordToProduce[]): Promise<RecordAck[] | null>;
}

interface Consumer {
  readonly name: string;
  readonly client: ExternalClient;
  /** Codecs it cannot decompress here; partitions written with them are left out of its check. */
  readonly unreadable?: () => Codec[];
  consume(bootstrap: string, partitions: readonly number[]): Promise<ConsumedRecord[]>;
}

async function kafkajsProduce(bootstrap: string, records: readonly RecordToProduce[]): Promise<RecordAck[]> {
  const kafka = new Kafka({ clientId: 'samsa-interop', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const [result] = await producer.send({
      topic: TOPIC, acks: -1, compression: CompressionTypes.GZIP,
      messages: records.map((r) => ({
        partition: r.partition, key: r.key, value: r.value, timestamp: String(r.timestamp),
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value ?? undefined])),
      })),
    });
    return records.map((r, i) => ({ partition: r.partition, offset: Number(result!.baseOffset) + i, errorCode: result!.errorCode, error: null }));
  } finally {
    await producer.disconnect();
  }
}

/** kafkajs ships gzip only; the codecs it lacks come from ours, as an application plugs in its own. */
for (const codec of [COMPRESSION_SNAPPY, COMPRESSION_LZ4, COMPRESSION_ZSTD]) {
  registerKafkajsCodec(codec, (input) => compress(codec, input), (input) => decompress(codec, input));
}

function kafkajsHeaders(headers: IHeaders | undefined): { key: string; value: Buffer | null }[] {
  return Object.entries(headers ?? {}).flatMap(([key, value]) => (Array.isArray(value) ? value : [value])
    .map((v) => ({ key, value: v === undefined ? null : Buffer.from(v) })));
}

/**
 * kafkajs reads only through a consumer group: it joins a group of its own, subscribes from the
 * beginning and runs until every partition asked for reaches the end it had when reading began.
 */
async function kafkajsConsume(bootstrap: string, partitions: readonly number[]): Promise<ConsumedRecord[]> {
  const kafka = new Kafka({ clientId: 'samsa-interop', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `kafkajs-cross-client-${process.pid}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  const records: ConsumedRecord[] = [];
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const remaining = new Set(partitions.filter((p) => (ends.get(p) ?? 0) > 0));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs did not reach the end of partitions ${[...remaining].join(', ')} in 60 s`)), 60_000);
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      if (remaining.size === 0) finish();
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (!partitions.includes(partition)) return;
          records.push({
            partition, offset: Number(message.offset), key: message.key, value: message.value,
            headers: kafkajsHeaders(message.headers), timestamp: Number(message.timestamp),
          });
          if (Number(message.offset) + 1 >= ends.get(partition)!) {
            remaining.delete(partition);
            if (remaining.size === 0) finish();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

const PRODUCERS: readonly Producer[] = [
  { name: 'kafkajs', client: null, codec: 'gzip', setsTimestamps: true, produce: kafkajsProduce },
  {
    name: 'kcat', client: kcat, codec: 'zstd', setsTimestamps: false,
    produce: async (bootstrap, records) => {
      const lines = records.map((r) => ({ key: r.key?.toString() ?? null, value: r.value!.toString() }));
      await kcatProduce(bootstrap, TOPIC, lines, { partition: records[0]!.partition, codec: 'zstd', headers: records[0]!.headers.map((h) => [h.key, h.value?.toString() ?? null]) });
      return null;
    },
  },
  { name: 'confluent-kafka', client: confluentKafka, codec: 'snappy', setsTimestamps: true, produce: async (b, r) => (await pythonProduce(confluentKafka, b, TOPIC, r, { codec: 'snappy' })).acks },
  { name: 'kafka-python', client: kafkaPython, codec: 'lz4', setsTimestamps: true, produce: async (b, r) => (await pythonProduce(kafkaPython, b, TOPIC, r, { codec: 'lz4' })).acks },
  { name: 'node-rdkafka', client: nodeRdkafka, codec: 'zstd', setsTimestamps: true, produce: (b, r) => rdkafkaProduce(b, TOPIC, r, { codec: 'zstd' }) },
  { name: '@platformatic/kafka', client: platformatic, codec: 'lz4', setsTimestamps: true, produce: (b, r) => platformaticProduce(b, TOPIC, r, 'lz4') },
];

/** An npm devDependency: always installed. */
const KAFKAJS: ExternalClient = { name: 'kafkajs', command: 'node_modules/kafkajs', version: '2.2.4', isAvailable: true, missingReason: '' };

const CONSUMERS: readonly Consumer[] = [
  { name: 'kafkajs', client: KAFKAJS, consume: kafkajsConsume },
  { name: 'kcat', client: kcat, consume: (b) => kcatConsume(b, TOPIC, null) },
  { name: 'confluent-kafka', client: confluentKafka, consume: (b, p) => pythonConsume(confluentKafka, b, TOPIC, p) },
  { name: 'kafka-python', client: kafkaPython, consume: (b, p) => pythonConsume(kafkaPython, b, TOPIC, p) },
  { name: 'node-rdkafka', client: nodeRdkafka, consume: (b, p) => rdkafkaConsume(b, TOPIC, p) },
  {
    name: '@platformatic/kafka', client: platformatic, consume: (b, p) => platformaticFetch(b, TOPIC, p),
    unreadable: () => (platformaticCodecs().includes('zstd') ? [] : ['zstd']),
  },
];

/** What every client can express: printable keys and values, one null key, one header per record. */
function recordsFrom(producer: string, partition: number): RecordToProduce[] {
  const base = 1_710_000_000_000 + partition * 1000;
  return [
    ...Array.from({ length: 10 }, (_, i): RecordToProduce => ({
      partition, key: bytes(`${producer}-k${i}`), value: bytes(`${producer} value ${i}`), headers: headers([['producer', producer]]), timestamp: base + i,
    })),
    { partition, key: null, value: bytes(`${producer} record without a key`), headers: headers([['producer', producer]]), timestamp: base + 10 },
  ];
}

const ALL_CLIENTS = [kcat, confluentKafka, kafkaPython, nodeRdkafka, platformatic];

describe('every client reads what every other client wrote', INTEROP_SUITE, () => {
  test('six producers write one partition each (each with its own codec); six consumers (kafkajs through a consumer group) read all of it back, equal to what is stored', needs(), async (t) => {
    // Outside CI the matrix shrinks to the clients at hand (kafkajs and our own reader always are).
    if (IS_CI) requireClients(...ALL_CLIENTS);
    const broker = await startTestBroker(t);
    const producers = PRODUCERS.filter((p) => p.client === null || p.client.isAvailable);
    const consumers = CONSUMERS.filter((c) => c.client.isAvailable);
    await createTopic(broker.port, TOPIC, producers.length);

    const expected: ConsumedRecord[] = [];
    const unstamped = new Set<number>();
    for (const [partition, producer] of producers.entries()) {
      const records = recordsFrom(producer.name, partition);
      const toSend = producer.setsTimestamps ? records : records.map((r) => ({ ...r, timestamp: undefined }));
      const acks = await producer.produce(broker.bootstrap, toSend);
      const offsets = acks ?? records.map((_, i): RecordAck => ({ partition, offset: i, errorCode: 0, error: null }));
      if (!producer.setsTimestamps) unstamped.add(partition);
      expected.push(...expectedFromAcks(toSend, offsets));
    }

    const stored = await readStoredTopic(broker.port, TOPIC, producers.length);
    // Records a producer stamped itself take their timestamp from what is stored.
    const withStoredTimes = expected.map((r) => (unstamped.has(r.partition) ? { ...r, timestamp: stored.find((s) => s.partition === r.partition && s.offset === r.offset)?.timestamp ?? -1 } : r));
    assertSameRecords(stored, withStoredTimes, 'the broker stored what each producer sent');

    for (const consumer of consumers) {
      const unreadable = consumer.unreadable?.() ?? [];
      const partitions = producers.flatMap((p, partition) => (unreadable.includes(p.codec) ? [] : [partition]));
      if (unreadable.length > 0) t.diagnostic(`${consumer.name} cannot decompress ${unreadable.join(', ')} here; it reads partitions ${partitions.join(', ')}`);
      const readable = stored.filter((r) => partitions.includes(r.partition));
      assertSameRecords(await consumer.consume(broker.bootstrap, partitions), readable, `${consumer.name} reads every producer's records`);
    }
    t.diagnostic(`producers: ${producers.map((p) => `${p.name} (${p.codec})`).join(', ')}; consumers: ${consumers.map((c) => c.name).join(', ')}`);
  });
});
