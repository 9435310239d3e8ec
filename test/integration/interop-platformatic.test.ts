import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INTEROP_SUITE, needs, requireClients } from '../support/interop/external-client.js';
import { startTestBroker } from '../support/interop/interop-broker.js';
import {
  assertBatchCodecs, type RecordToProduce, assertSameRecords, bytes, expectedFromAcks, headers, readStoredPartition, readStoredTopic,
} from '../support/interop/interop-records.js';
import {
  platformatic, platformaticCodecs, platformaticCreateTopic, platformaticFetch, platformaticListOffsets, platformaticProduce,
} from '../support/interop/platformatic.js';

describe(`@platformatic/kafka ${platformatic.version || '(not loadable)'}`, INTEROP_SUITE, () => {
  test('Admin creates a topic; the Producer writes every codec it has; Consumer.fetch() reads the records back without a group', needs(platformatic), async (t) => {
    requireClients(platformatic);
    const broker = await startTestBroker(t);
    const codecs = platformaticCodecs();
    t.diagnostic(`codecs on Node ${process.version}: ${codecs.join(', ')}`);
    const listed = await platformaticCreateTopic(broker.bootstrap, 'codecs', codecs.length);
    assert.ok(listed.includes('codecs'));
    const expected = [];
    for (const [partition, codec] of codecs.entries()) {
      const base = 1_750_000_000_000 + partition * 1000;
      const records: RecordToProduce[] = [
        ...Array.from({ length: 10 }, (_, i): RecordToProduce => ({
          partition, key: bytes(`${codec}-${i}`), value: bytes(`${codec} value ${i} `.repeat(10)), headers: headers([['codec', codec], ['i', String(i)]]), timestamp: base + i,
        })),
        { partition, key: null, value: bytes('no key'), headers: [], timestamp: base + 10 },
        { partition, key: bytes('tombstone'), value: null, headers: [], timestamp: base + 11 },
      ];
      expected.push(...expectedFromAcks(records, await platformaticProduce(broker.bootstrap, 'codecs', records, codec)));
    }
    const partitions = codecs.map((_, p) => p);
    assertSameRecords(await platformaticFetch(broker.bootstrap, 'codecs', partitions), expected, 'Consumer.fetch reads back what was acknowledged');
    assertSameRecords(await readStoredTopic(broker.port, 'codecs', codecs.length), expected, 'the stored records are the ones sent');
    for (const [partition, codec] of codecs.entries()) {
      const stored = await readStoredPartition(broker.port, 'codecs', partition);
      assertBatchCodecs(stored, codec, codec);
    }
  });

  test('Consumer.listOffsets answers earliest, latest and by timestamp', needs(platformatic), async (t) => {
    requireClients(platformatic);
    const broker = await startTestBroker(t);
    await platformaticCreateTopic(broker.bootstrap, 'clock', 2);
    const records = Array.from({ length: 8 }, (_, i): RecordToProduce => ({ partition: i % 2, key: bytes(`k${i}`), value: bytes(`v${i}`), headers: [], timestamp: 10_000 + i * 10 }));
    await platformaticProduce(broker.bootstrap, 'clock', records);
    assert.deepEqual(await platformaticListOffsets(broker.bootstrap, 'clock', -2n), [0, 0]);
    assert.deepEqual(await platformaticListOffsets(broker.bootstrap, 'clock', -1n), [4, 4]);
    // Partition 0 holds timestamps 10000, 10020, 10040, 10060; partition 1 10010 ... 10070.
    assert.deepEqual(await platformaticListOffsets(broker.bootstrap, 'clock', 10_035n), [2, 2]);
    assert.deepEqual(await platformaticListOffsets(broker.bootstrap, 'clock', 99_999n), [-1, -1]);
  });
});
