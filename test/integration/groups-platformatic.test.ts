import { describe, test } from 'node:test';
import { requireClients } from '../support/interop/external-client.js';
import { GROUP_SUITE, groupTest, nodeMemberLauncher } from '../support/interop/groups-member.js';
import { churnScenario, staticMemberScenario, twoGroupsScenario } from '../support/interop/groups-scenarios.js';
import { platformatic } from '../support/interop/platformatic.js';

const launch = nodeMemberLauncher('groups-platformatic-member.js');

describe(`consumer groups with @platformatic/kafka ${platformatic.version || '(not loadable)'}`, GROUP_SUITE, () => {
  test('3 → 4 → 7 members share 6 partitions (one idle); a closed and a killed member\'s partitions move; nothing lost or committed unprocessed; a restart resumes at the commits',
    groupTest(platformatic), async (t) => {
      requireClients(platformatic);
      await churnScenario(t, launch);
    });

  test('two groups on one topic each read every record and commit their own offsets', groupTest(platformatic), async (t) => {
    requireClients(platformatic);
    await twoGroupsScenario(t, launch);
  });

  // Its close() sends LeaveGroup by member id even for a static member, so the restart is a kill.
  test('a static member killed and restarted within its session gets its partitions back without a rebalance (same generation)', groupTest(platformatic), async (t) => {
    requireClients(platformatic);
    await staticMemberScenario(t, launch, { stop: 'kill' });
  });
});
