/**
 * A node-rdkafka (librdkafka) group member as a process (see groups-member-protocol.ts). Classic
 * protocol with `partition.assignment.strategy` = the configured assignor, or KIP-848
 * (`group.protocol=consumer`: the broker assigns; session and heartbeat timing are the broker's
 * `group.consumer.*` settings, which librdkafka refuses to take from the client). Its own rebalance
 * callback applies each change (incrementally under a cooperative protocol, which KIP-848 is)
 * and prints the whole assignment after it. Batches are committed synchronously after printing.
 * SAMSA_RDKAFKA_DEBUG in the environment sets librdkafka's `debug` (e.g. cgrp), logged to stderr.
 */
import type * as Rdkafka from 'node-rdkafka';
import { closeOnCommand, emit, failOnUnhandled, memberConfigFromArgv, nextOffsets, type ProcessedRecordLine } from './groups-member-protocol.js';

type RdkafkaModule = typeof Rdkafka;

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;

failOnUnhandled();
const config = memberConfigFromArgv();
const imported = (await import('node-rdkafka')) as RdkafkaModule & { default?: RdkafkaModule };
const rdkafka = imported.default ?? imported;

/** The assignment as the rebalance callbacks changed it (assignments() fails while closing). */
const owned = new Set<number>();

function onRebalance(err: Rdkafka.LibrdKafkaError | undefined, changed: Rdkafka.Assignment[]): void {
  const isCooperative = consumer.rebalanceProtocol() === 'COOPERATIVE';
  const partitions = changed.filter((a) => a.topic === config.topic).map((a) => a.partition);
  if (err?.code === ERR_ASSIGN_PARTITIONS) {
    if (!isCooperative) owned.clear();
    for (const p of partitions) owned.add(p);
    if (isCooperative) consumer.incrementalAssign(changed);
    else consumer.assign(changed);
  } else if (err?.code === ERR_REVOKE_PARTITIONS) {
    if (isCooperative) for (const p of partitions) owned.delete(p);
    else owned.clear();
    if (isCooperative) consumer.incrementalUnassign(changed);
    else consumer.unassign();
  } else {
    emit({ event: 'warning', message: `rebalance error: ${err?.message ?? 'none'}` });
    return;
  }
  emit({ event: 'assigned', partitions: [...owned].sort((a, b) => a - b), generationId: null, memberId: null });
}

const classicSettings: Rdkafka.ConsumerGlobalConfig = {
  'session.timeout.ms': config.sessionTimeoutMs, 'heartbeat.interval.ms': config.heartbeatIntervalMs,
  'max.poll.interval.ms': config.rebalanceTimeoutMs,
  ...(config.assignor === null ? {} : { 'partition.assignment.strategy': config.assignor }),
};
const consumer = new rdkafka.KafkaConsumer({
  'metadata.broker.list': config.bootstrap, 'client.id': config.clientId, 'group.id': config.groupId,
  'group.protocol': config.groupProtocol, 'enable.auto.commit': false, 'fetch.wait.max.ms': 200,
  ...(config.groupProtocol === 'classic' ? classicSettings : {}),
  ...(config.groupInstanceId === null ? {} : { 'group.instance.id': config.groupInstanceId }),
  ...(process.env.SAMSA_RDKAFKA_DEBUG ? { debug: process.env.SAMSA_RDKAFKA_DEBUG, event_cb: true } : {}),
  rebalance_cb: onRebalance,
}, { 'auto.offset.reset': 'earliest' });
consumer.on('event.error', (err) => process.stderr.write(`event.error ${err.message}\n`));
consumer.on('event.log', (log: { fac: string; message: string }) => process.stderr.write(`${log.fac} ${log.message}\n`));

await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(new Error(err.message)) : resolve())));
consumer.setDefaultConsumeTimeout(200);
consumer.subscribe([config.topic]);

function consumeBatch(): Promise<Rdkafka.Message[]> {
  return new Promise((resolve, reject) => consumer.consume(100, (err, messages) => (err ? reject(new Error(err.message)) : resolve(messages))));
}

function processBatch(messages: readonly Rdkafka.Message[]): void {
  const records: ProcessedRecordLine[] = messages.map((m) => [m.partition, m.offset, m.value?.toString('utf8') ?? '']);
  if (records.length === 0) return;
  emit({ event: 'records', records });
  const offsets = nextOffsets(records);
  try {
    consumer.commitSync(offsets.map(([partition, offset]) => ({ topic: config.topic, partition, offset })));
    emit({ event: 'committed', offsets });
  } catch (err) {
    // A rebalance under way fences the commit; the next owner reads these records again.
    emit({ event: 'warning', message: `commit failed: ${(err as Error).message}` });
  }
}

let isRunning = true;
const loop = (async () => {
  while (isRunning) processBatch(await consumeBatch());
})();

closeOnCommand(async () => {
  isRunning = false;
  await loop;
  await new Promise<void>((resolve, reject) => consumer.disconnect((err) => (err ? reject(new Error(String(err))) : resolve())));
});
