import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requireClients } from '../support/interop/external-client.js';
import { GROUP_SUITE, groupTest, nodeMemberLauncher } from '../support/interop/groups-member.js';
import { churnScenario, staticMemberScenario } from '../support/interop/groups-scenarios.js';
import { advertisedVersions, createTopic, startTestBroker } from '../support/interop/interop-broker.js';
import { CODEC_ID, type RecordToProduce, assertSameRecords, bytes, expectedFromAcks, readStoredPartition } from '../support/interop/interop-records.js';
import { nodeRdkafka, rdkafkaProduce } from '../support/interop/node-rdkafka.js';

const FIND_COORDINATOR = 10;
const launch = nodeMemberLauncher('groups-node-rdkafka-member.js');

describe(`consumer groups with node-rdkafka ${nodeRdkafka.version || '(not loadable)'}`, GROUP_SUITE, () => {
  test('KIP-848 (group.protocol=consumer): 3 → 4 → 7 members share 6 partitions (one idle); a closed and a killed member\'s partitions move; nothing lost or committed unprocessed; a restart resumes at the commits',
    groupTest(nodeRdkafka), async (t) => {
      requireClients(nodeRdkafka);
      await churnScenario(t, launch, { groupProtocol: 'consumer' });
    });

  test('classic, cooperative-sticky: 3 → 4 → 7 members share 6 partitions (one idle); a closed and a killed member\'s partitions move; nothing lost or committed unprocessed; a restart resumes at the commits',
    groupTest(nodeRdkafka), async (t) => {
      requireClients(nodeRdkafka);
      await churnScenario(t, launch, { assignor: 'cooperative-sticky' });
    });

  // librdkafka sends no LeaveGroup when a static member closes: it keeps its place for session.timeout.ms.
  test('classic, range: a static member that closes and restarts gets its partitions back without a rebalance', groupTest(nodeRdkafka), async (t) => {
    requireClients(nodeRdkafka);
    await staticMemberScenario(t, launch, { stop: 'close', assignor: 'range' });
  });

  test('with FindCoordinator advertised, librdkafka writes lz4-compressed batches (codec 3 in the stored batch attributes)', groupTest(nodeRdkafka), async (t) => {
    requireClients(nodeRdkafka);
    const broker = await startTestBroker(t);
    assert.ok((await advertisedVersions(broker.port)).has(FIND_COORDINATOR), 'FindCoordinator is advertised (librdkafka\'s sign of an lz4-capable broker)');
    await createTopic(broker.port, 'compressed', 1);
    // Repetitive values: every batch compresses, so librdkafka has no reason to send one plain.
    const records = Array.from({ length: 50 }, (_, i): RecordToProduce => ({ partition: 0, key: bytes(`k${i}`), value: bytes(`lz4 record ${i} `.repeat(20)), headers: [] }));
    const acks = await rdkafkaProduce(broker.bootstrap, 'compressed', records, { codec: 'lz4' });
    const stored = await readStoredPartition(broker.port, 'compressed', 0);
    assert.ok(stored.batchCodecs.length > 0);
    assert.deepEqual(stored.batchCodecs, stored.batchCodecs.map(() => CODEC_ID.lz4), 'every stored batch is lz4');
    assertSameRecords(stored.records.map((r) => ({ ...r, timestamp: -1 })), expectedFromAcks(records, acks), 'the records decompress to what was sent');
  });
});
