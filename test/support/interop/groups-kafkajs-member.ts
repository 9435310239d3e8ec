/**
 * A kafkajs group member as a process (see groups-member-protocol.ts for the line protocol).
 * kafkajs 2.2.4 speaks the classic protocol with its round-robin assigner and has no static
 * membership (its JoinGroup never carries a group instance id). It has no revocation callback:
 * GROUP_JOIN, after each SyncGroup, reports the new assignment. Commits are manual, after each
 * batch is printed; disconnect() waits for the running batch and sends LeaveGroup.
 */
import { Kafka, type LogEntry, logLevel } from 'kafkajs';
import { closeOnCommand, emit, failOnUnhandled, memberConfigFromArgv, nextOffsets, type ProcessedRecordLine } from './groups-member-protocol.js';

failOnUnhandled();
const config = memberConfigFromArgv();

// kafkajs logs to stdout by default; stdout carries the protocol, so logs go to stderr.
const logCreator = () => ({ namespace, log }: LogEntry): void => {
  process.stderr.write(`${namespace} ${log.message} ${JSON.stringify(log)}\n`);
};

const kafka = new Kafka({
  clientId: config.clientId, brokers: [config.bootstrap], logLevel: logLevel.WARN, logCreator,
  retry: { initialRetryTime: 100, retries: 20 },
});
const consumer = kafka.consumer({
  groupId: config.groupId, sessionTimeout: config.sessionTimeoutMs, heartbeatInterval: config.heartbeatIntervalMs,
  rebalanceTimeout: config.rebalanceTimeoutMs, maxWaitTimeInMs: 200, retry: { initialRetryTime: 100, retries: 20 },
});

consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  const partitions = [...(payload.memberAssignment[config.topic] ?? [])].sort((a, b) => a - b);
  emit({ event: 'assigned', partitions, generationId: null, memberId: payload.memberId });
});

await consumer.connect();
await consumer.subscribe({ topics: [config.topic], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    const records: ProcessedRecordLine[] = batch.messages.map((m) => [batch.partition, Number(m.offset), m.value?.toString('utf8') ?? '']);
    if (records.length === 0) return;
    emit({ event: 'records', records });
    const offsets = nextOffsets(records);
    try {
      await consumer.commitOffsets(offsets.map(([partition, offset]) => ({ topic: config.topic, partition, offset: String(offset) })));
      emit({ event: 'committed', offsets });
    } catch (err) {
      // A rebalance under way fences the commit; the next owner reads these records again.
      emit({ event: 'warning', message: `commit failed: ${(err as Error).message}` });
    }
  },
});

closeOnCommand(() => consumer.disconnect());
