/**
 * A @platformatic/kafka 1.x group member as a process (see groups-member-protocol.ts). Classic
 * protocol with the client's own assigner; static membership through `groupInstanceId`. The
 * `consumer:group:join` event, after each SyncGroup, carries the generation and the assignment.
 * Messages are read one at a time from the stream, printed, then committed (offset + 1). Its
 * close() sends LeaveGroup by member id only, even for a static member.
 *
 * The stream may still hand out messages it fetched for a partition the last rebalance took away,
 * and a commit of one would carry the member's new, valid generation: the coordinator accepts it
 * (Kafka's does too: a classic commit is checked against the member and generation, not the
 * partition's owner) and the new owner's further commits are overwritten by an older offset. As a
 * careful application does, this member drops messages of partitions it no longer owns; the new
 * owner reads them from the committed offset.
 */
import { Consumer, type Message } from '@platformatic/kafka';
import { closeOnCommand, emit, failOnUnhandled, memberConfigFromArgv } from './groups-member-protocol.js';

failOnUnhandled();
const config = memberConfigFromArgv();

interface JoinPayload {
  readonly memberId: string;
  readonly generationId?: number;
  readonly assignments?: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
}

const consumer = new Consumer({
  clientId: config.clientId, bootstrapBrokers: [config.bootstrap], groupId: config.groupId,
  ...(config.groupInstanceId === null ? {} : { groupInstanceId: config.groupInstanceId }),
  sessionTimeout: config.sessionTimeoutMs, heartbeatInterval: config.heartbeatIntervalMs, rebalanceTimeout: config.rebalanceTimeoutMs,
  // No retries: after a commit refused mid-rebalance, 1.x rejoins and sends the same commit again
  // with the new generation, even for a partition the rebalance moved — overwriting the new owner's
  // progress with an older offset (the coordinator accepts it, as Kafka's does). Refused, the
  // commit is reported as such and the new owner reads the record again.
  retries: 0, retryDelay: 100, maxWaitTime: 200,
});

let owned = new Set<number>();

consumer.on('consumer:group:join', (payload: JoinPayload) => {
  const partitions = [...(payload.assignments?.find((a) => a.topic === config.topic)?.partitions ?? [])].sort((a, b) => a - b);
  owned = new Set(partitions);
  emit({ event: 'assigned', partitions, generationId: payload.generationId ?? null, memberId: payload.memberId });
});

const stream = await consumer.consume({ topics: [config.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });

const consumed = (async () => {
  for await (const message of stream as AsyncIterable<Message>) {
    const offset = Number(message.offset);
    if (!owned.has(message.partition)) {
      emit({ event: 'warning', message: `dropped offset ${offset} of partition ${message.partition}, revoked from this member` });
      continue;
    }
    emit({ event: 'records', records: [[message.partition, offset, message.value.toString('utf8')]] });
    try {
      await message.commit();
      emit({ event: 'committed', offsets: [[message.partition, offset + 1]] });
    } catch (err) {
      // A rebalance under way fences the commit; the next owner reads this record again.
      emit({ event: 'warning', message: `commit failed: ${(err as Error).message}` });
    }
  }
})();

closeOnCommand(async () => {
  await stream.close();
  await consumed;
  await consumer.close();
});
