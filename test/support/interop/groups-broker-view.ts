/**
 * The broker's side of a group-interop test, read and written with our own RawClient so it is
 * independent of the client under test: the traffic the members consume (one record per partition
 * in turn, acknowledged with its offset), the committed offsets (OffsetFetch), and the group as
 * the coordinator describes it (DescribeGroups for classic groups, ConsumerGroupDescribe for
 * KIP-848 groups), with each classic member's assignment decoded from its ConsumerProtocol bytes.
 */
import assert from 'node:assert/strict';
import {
  ConsumerProtocolAssignment, type ConsumerGroupDescribeResponse, type DescribeGroupsResponse, type OffsetFetchResponse, type ProduceResponse,
  defaultOffsetFetchRequest,
} from '../../../src/protocol/generated/index.js';
import { encodeRecordBatch } from '../../../src/protocol/record-batch/index.js';
import { RawClient } from '../raw-client.js';
import { advertisedVersions } from './interop-broker.js';

const PRODUCE = 0;
const OFFSET_FETCH = 9;
const DESCRIBE_GROUPS = 15;
const CONSUMER_GROUP_DESCRIBE = 69;

/**
 * Broker settings for group tests: the first rebalance of a group does not wait for more members
 * (Kafka waits 3 s by default), KIP-848 members heartbeat every 500 ms and are fenced 6 s after
 * their last heartbeat, and `__consumer_offsets` is small.
 */
export const GROUP_TEST_BROKER_CONFIG: Readonly<Record<string, string>> = {
  'group.initial.rebalance.delay.ms': '0',
  'group.consumer.heartbeat.interval.ms': '500',
  'group.consumer.session.timeout.ms': '6000',
  'offsets.topic.num.partitions': '5',
};

const versionsByPort = new Map<number, ReturnType<typeof advertisedVersions>>();

/** The highest version of `apiKey` both the broker and this module speak (asked once per broker port). */
async function versionFor(port: number, apiKey: number, highestKnown: number): Promise<number> {
  let versions = versionsByPort.get(port);
  if (versions === undefined) {
    versions = advertisedVersions(port);
    versionsByPort.set(port, versions);
  }
  const range = (await versions).get(apiKey);
  assert.ok(range !== undefined, `the broker serves API ${apiKey}`);
  return Math.min(range.maxVersion, highestKnown);
}

export interface ProducedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** Produces records to every partition of a topic in turn and remembers where each landed. */
export class GroupTraffic {
  readonly produced: ProducedRecord[] = [];
  private next = 0;
  private trickle: Promise<void> | null = null;
  private trickleError: unknown = null;
  private isTrickling = false;

  private constructor(private readonly client: RawClient, private readonly version: number, readonly topic: string, readonly partitionCount: number) {}

  static async open(port: number, topic: string, partitionCount: number): Promise<GroupTraffic> {
    const version = await versionFor(port, PRODUCE, 9);
    return new GroupTraffic(await RawClient.connect('127.0.0.1', port), version, topic, partitionCount);
  }

  /** `count` records, each to the next partition in turn, values `label-<n>`. */
  async produce(count: number, label: string): Promise<void> {
    for (let i = 0; i < count; i++) await this.produceOne(label);
  }

  /** Keeps producing one record every `intervalMs` until stopTrickle(). */
  startTrickle(label: string, intervalMs: number): void {
    this.isTrickling = true;
    this.trickle = (async () => {
      while (this.isTrickling) {
        await this.produceOne(label);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })().catch((err: unknown) => {
      this.trickleError = err;
    });
  }

  /** Stops the trickle; throws what made it fail, if anything did. */
  async stopTrickle(): Promise<void> {
    this.isTrickling = false;
    await this.trickle;
    if (this.trickleError !== null) throw this.trickleError;
  }

  /** Per partition, the offset after the last record produced (the log end offset). */
  endOffsets(): Map<number, number> {
    const ends = new Map<number, number>(Array.from({ length: this.partitionCount }, (_, p) => [p, 0]));
    for (const r of this.produced) ends.set(r.partition, Math.max(ends.get(r.partition)!, r.offset + 1));
    return ends;
  }

  close(): void {
    this.client.close();
  }

  private async produceOne(label: string): Promise<void> {
    const partition = this.next++ % this.partitionCount;
    const value = `${label}-${this.produced.length}`;
    const res = await this.client.request<ProduceResponse>(PRODUCE, this.version, {
      transactionalId: null, acks: -1, timeoutMs: 10_000,
      topicData: [{ name: this.topic, partitionData: [{ index: partition, records: encodeRecordBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }] }) }] }],
    });
    const answer = res.responses[0]!.partitionResponses[0]!;
    assert.equal(answer.errorCode, 0, `produce to ${this.topic}-${partition}`);
    this.produced.push({ partition, offset: answer.baseOffset, value });
  }
}

/** Partition → committed offset (-1: none), as OffsetFetch answers for `groupId`. */
export async function fetchCommittedOffsets(port: number, groupId: string, topic: string, partitionCount: number): Promise<Map<number, number>> {
  const version = await versionFor(port, OFFSET_FETCH, 8);
  const partitionIndexes = Array.from({ length: partitionCount }, (_, p) => p);
  const client = await RawClient.connect('127.0.0.1', port);
  try {
    // v8 (KIP-709) asks for a batch of groups; earlier versions for one.
    const request = version >= 8
      ? { ...defaultOffsetFetchRequest(), groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: topic, partitionIndexes }] }] }
      : { ...defaultOffsetFetchRequest(), groupId, topics: [{ name: topic, partitionIndexes }] };
    const res = await client.request<OffsetFetchResponse>(OFFSET_FETCH, version, request);
    const errorCode = version >= 8 ? res.groups[0]!.errorCode : res.errorCode;
    assert.equal(errorCode, 0, `OffsetFetch v${version} for group ${groupId}`);
    const partitions = version >= 8 ? res.groups[0]!.topics[0]?.partitions ?? [] : res.topics[0]?.partitions ?? [];
    const offsets = new Map<number, number>();
    for (const p of partitions) {
      assert.equal(p.errorCode, 0, `OffsetFetch ${groupId} ${topic}-${p.partitionIndex}`);
      offsets.set(p.partitionIndex, p.committedOffset);
    }
    return offsets;
  } finally {
    client.close();
  }
}

export interface DescribedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  /** Partitions of the test's topic in the member's assignment. */
  readonly partitions: number[];
  /** KIP-848 only: the member epoch; -1 for classic members. */
  readonly memberEpoch: number;
}

export interface DescribedGroup {
  readonly state: string;
  readonly protocol: string;
  /** KIP-848 only: the group epoch; -1 for classic groups. */
  readonly groupEpoch: number;
  readonly members: DescribedMember[];
}

/** A classic member's assignment: a 2-byte version, then ConsumerProtocolAssignment. */
function decodeClassicAssignment(bytes: Buffer, topic: string): number[] {
  if (bytes.length < 2) return [];
  const version = Math.min(bytes.readInt16BE(0), ConsumerProtocolAssignment.highestVersion);
  const assignment = ConsumerProtocolAssignment.decode(bytes.subarray(2), version);
  return assignment.assignedPartitions.filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
}

/** A classic group as DescribeGroups answers. */
export async function describeClassicGroup(port: number, groupId: string, topic: string): Promise<DescribedGroup> {
  const version = await versionFor(port, DESCRIBE_GROUPS, 5);
  const client = await RawClient.connect('127.0.0.1', port);
  try {
    const res = await client.request<DescribeGroupsResponse>(DESCRIBE_GROUPS, version, { groups: [groupId], includeAuthorizedOperations: false });
    const group = res.groups[0]!;
    assert.equal(group.errorCode, 0, `DescribeGroups ${groupId}`);
    return {
      state: group.groupState, protocol: group.protocolData, groupEpoch: -1,
      members: group.members.map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, memberEpoch: -1,
        partitions: decodeClassicAssignment(m.memberAssignment, topic),
      })),
    };
  } finally {
    client.close();
  }
}

/** A KIP-848 consumer group as ConsumerGroupDescribe answers (current assignments). */
export async function describeConsumerGroup(port: number, groupId: string, topic: string): Promise<DescribedGroup> {
  const client = await RawClient.connect('127.0.0.1', port);
  try {
    const res = await client.request<ConsumerGroupDescribeResponse>(CONSUMER_GROUP_DESCRIBE, await versionFor(port, CONSUMER_GROUP_DESCRIBE, 0), { groupIds: [groupId], includeAuthorizedOperations: false });
    const group = res.groups[0]!;
    assert.equal(group.errorCode, 0, `ConsumerGroupDescribe ${groupId}: ${group.errorMessage ?? ''}`);
    return {
      state: group.groupState, protocol: group.assignorName, groupEpoch: group.groupEpoch,
      members: group.members.map((m) => ({
        memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, memberEpoch: m.memberEpoch,
        partitions: m.assignment.topicPartitions.filter((tp) => tp.topicName === topic).flatMap((tp) => tp.partitions).sort((a, b) => a - b),
      })),
    };
  } finally {
    client.close();
  }
}
