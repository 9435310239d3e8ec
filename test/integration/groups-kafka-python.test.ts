import { describe, test } from 'node:test';
import { requireClients } from '../support/interop/external-client.js';
import { GROUP_SUITE, groupTest, pythonMemberLauncher } from '../support/interop/groups-member.js';
import { churnScenario, twoGroupsScenario } from '../support/interop/groups-scenarios.js';
import { kafkaPython } from '../support/interop/python-clients.js';

const launch = pythonMemberLauncher(kafkaPython, 'groups_kafka_python_member.py');

describe(`consumer groups with kafka-python ${kafkaPython.version || '(not installed)'}`, GROUP_SUITE, () => {
  test('range: 3 → 4 → 7 members share 6 partitions (one idle); a closed and a killed member\'s partitions move; nothing lost or committed unprocessed; a restart resumes at the commits',
    groupTest(kafkaPython), async (t) => {
      requireClients(kafkaPython);
      await churnScenario(t, launch, { assignor: 'range' });
    });

  test('roundrobin: two groups on one topic each read every record and commit their own offsets', groupTest(kafkaPython), async (t) => {
    requireClients(kafkaPython);
    await twoGroupsScenario(t, launch, { assignor: 'roundrobin' });
  });

  test('a static member restarts without a rebalance', { skip: 'kafka-python 2.0 has no static membership (no group_instance_id)' }, () => {});
});
