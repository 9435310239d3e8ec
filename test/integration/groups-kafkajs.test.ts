import { describe, test } from 'node:test';
import { type ExternalClient, packageVersion, requireClients } from '../support/interop/external-client.js';
import { GROUP_SUITE, groupTest, nodeMemberLauncher } from '../support/interop/groups-member.js';
import { churnScenario, twoGroupsScenario } from '../support/interop/groups-scenarios.js';

/** kafkajs is a devDependency: always there. */
const kafkajs: ExternalClient = { name: 'kafkajs', command: '', version: packageVersion('kafkajs'), isAvailable: true, missingReason: '' };
const launch = nodeMemberLauncher('groups-kafkajs-member.js');

describe(`consumer groups with kafkajs ${kafkajs.version}`, GROUP_SUITE, () => {
  test('3 → 4 → 7 members share 6 partitions (one idle); a closed and a killed member\'s partitions move; nothing lost or committed unprocessed; a restart resumes at the commits',
    groupTest(kafkajs), async (t) => {
      requireClients(kafkajs);
      await churnScenario(t, launch);
    });

  test('two groups on one topic each read every record and commit their own offsets', groupTest(kafkajs), async (t) => {
    requireClients(kafkajs);
    await twoGroupsScenario(t, launch);
  });

  test('a static member restarts without a rebalance', { skip: 'kafkajs 2.2.4 has no static membership: its JoinGroup never carries a group instance id' }, () => {});
});
