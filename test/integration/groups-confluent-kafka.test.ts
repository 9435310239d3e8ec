import { describe, test } from 'node:test';
import { requireClients } from '../support/interop/external-client.js';
import { GROUP_SUITE, groupTest, pythonMemberLauncher } from '../support/interop/groups-member.js';
import { churnScenario, staticMemberScenario, twoGroupsScenario } from '../support/interop/groups-scenarios.js';
import { confluentKafka } from '../support/interop/python-clients.js';

const launch = pythonMemberLauncher(confluentKafka, 'groups_confluent_member.py');

/**
 * librdkafka before 2.10 treats an ILLEGAL_GENERATION answer to a commit made during a cooperative
 * rebalance (the commit still carried the generation that rebalance ended, which Kafka refuses
 * just the same) as a lost assignment and rejoins, which starts the next rebalance: with records
 * flowing and committed all along, the group never settles (librdkafka issue #4059, fixed in
 * 2.10.0). node-rdkafka's newer librdkafka runs the cooperative-sticky churn instead.
 */
function cooperativeChurnSkip(): string | false {
  const match = /librdkafka (\d+)\.(\d+)/.exec(confluentKafka.version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const isFixed = major > 2 || (major === 2 && minor >= 10);
  return isFixed ? false : `librdkafka ${match[0].slice('librdkafka '.length)} < 2.10 loses its cooperative assignment on a commit refused with ILLEGAL_GENERATION mid-rebalance and rejoins forever under steady commits (librdkafka #4059)`;
}

describe(`consumer groups with confluent-kafka-python ${confluentKafka.version || '(not installed)'}`, GROUP_SUITE, () => {
  for (const assignor of ['range', 'roundrobin', 'cooperative-sticky']) {
    const skip = assignor === 'cooperative-sticky' ? cooperativeChurnSkip() : false;
    test(`${assignor}: 3 → 4 → 7 members share 6 partitions (one idle); a closed and a killed member's partitions move; nothing lost or committed unprocessed; a restart resumes at the commits`,
      skip === false ? groupTest(confluentKafka) : { skip }, async (t) => {
        requireClients(confluentKafka);
        await churnScenario(t, launch, { assignor });
      });
  }

  test('cooperative-sticky: two groups on one topic each read every record and commit their own offsets', groupTest(confluentKafka), async (t) => {
    requireClients(confluentKafka);
    await twoGroupsScenario(t, launch, { assignor: 'cooperative-sticky' });
  });

  // librdkafka sends no LeaveGroup when a static member closes: it keeps its place for session.timeout.ms.
  test('range: a static member that closes and restarts gets its partitions back without a rebalance', groupTest(confluentKafka), async (t) => {
    requireClients(confluentKafka);
    await staticMemberScenario(t, launch, { stop: 'close', assignor: 'range' });
  });
});
