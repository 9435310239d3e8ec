import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { INTEROP_SUITE, needs, requireClients } from '../support/interop/external-client.js';
import { BrokerProcess, createTopic } from '../support/interop/interop-broker.js';
import { readStoredPartition } from '../support/interop/interop-records.js';
import { kcat, kcatConsume, kcatProduce } from '../support/interop/kcat.js';
import { confluentKafka, pythonConsume, runPythonClient } from '../support/interop/python-clients.js';

interface StreamAck {
  partition: number;
  offset: number;
  errorCode: number;
  error: string | null;
  key: string;
  value: string;
}

const KILL_AFTER_ACKS = 400;

describe('a broker process killed with SIGKILL', INTEROP_SUITE, () => {
  test('keeps every record acknowledged with acks=all, and appends after them once restarted on the same data dir', needs(confluentKafka, kcat), async (t) => {
    requireClients(confluentKafka, kcat);
    const dataDir = mkdtempSync(join(tmpdir(), 'samsa-crash-'));
    const started: BrokerProcess[] = [];
    t.after(async () => {
      for (const b of started) await b.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });
    const first = await BrokerProcess.start(dataDir);
    started.push(first);
    await createTopic(first.port, 'durable', 1);

    // The producer streams delivery reports; the broker is killed mid-stream, so later records
    // fail (or were written but never acknowledged) and only acknowledged ones are checked.
    const acked: StreamAck[] = [];
    let failed = 0;
    let killed: Promise<void> | null = null;
    await runPythonClient(confluentKafka, 'produce-stream', {
      bootstrap: first.bootstrap, topic: 'durable', partition: 0, count: 20_000, pauseMs: 1,
      // Short reconnect backoff: librdkafka checks message timeouts when its broker thread wakes.
      config: { acks: 'all', 'linger.ms': 2, 'message.timeout.ms': 2000, 'reconnect.backoff.ms': 100, 'reconnect.backoff.max.ms': 500 },
    }, 60_000, (line) => {
      if (!line.startsWith('{"ack"')) return;
      const ack = (JSON.parse(line) as { ack: StreamAck }).ack;
      if (ack.errorCode === 0) acked.push(ack);
      else failed++;
      if (acked.length >= KILL_AFTER_ACKS && killed === null) killed = first.stop('SIGKILL');
    });
    assert.ok(killed !== null, `the broker was killed after ${KILL_AFTER_ACKS} acknowledgements (${acked.length} in all)`);
    await killed;
    assert.ok(failed > 0, 'records sent after the kill were not acknowledged');
    t.diagnostic(`${acked.length} records acknowledged before the kill, ${failed} failed`);

    const broker = await BrokerProcess.start(dataDir, first.port);
    started.push(broker);
    const stored = await readStoredPartition(broker.port, 'durable', 0);
    const read = await pythonConsume(confluentKafka, broker.bootstrap, 'durable', [0]);
    assert.equal(read.length, stored.records.length, 'the consumer reads every stored record');
    const byOffset = new Map(read.map((r) => [r.offset, r]));
    for (const ack of acked) {
      const record = byOffset.get(ack.offset);
      assert.ok(record, `acknowledged offset ${ack.offset} is there`);
      assert.equal(record.key!.toString('base64'), ack.key, `key at ${ack.offset}`);
      assert.equal(record.value!.toString('base64'), ack.value, `value at ${ack.offset}`);
    }
    assert.deepEqual(stored.records.map((r) => r.offset), stored.records.map((_, i) => i), 'offsets stay dense after recovery');

    // Appends continue at the recovered log end, and kcat reads old and new alike.
    await kcatProduce(broker.bootstrap, 'durable', [{ key: 'after', value: 'restart' }], { partition: 0 });
    const after = await readStoredPartition(broker.port, 'durable', 0);
    assert.equal(after.highWatermark, stored.highWatermark + 1);
    const tail = (await kcatConsume(broker.bootstrap, 'durable', 0)).at(-1)!;
    assert.deepEqual([tail.offset, tail.key?.toString(), tail.value?.toString()], [stored.highWatermark, 'after', 'restart']);
  });
});
