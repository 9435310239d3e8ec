/**
 * MetadataCache: the broker's read view of cluster metadata — live brokers with their advertised
 * endpoints, topics by name and by id, partition state — kept current from the controller's
 * announcements. Metadata, DescribeCluster and topic-id lookups in Fetch read it.
 */
import type { TopicRecord } from '../cluster/metadata-store.js';

export interface BrokerEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export class MetadataCache {
  private readonly byName = new Map<string, TopicRecord>();
  private readonly byId = new Map<string, TopicRecord>();
  private brokerList: BrokerEndpoint[] = [];

  constructor(readonly clusterId: string, readonly controllerId: number) {}

  setBrokers(brokers: readonly BrokerEndpoint[]): void {
    this.brokerList = [...brokers];
  }

  get brokers(): readonly BrokerEndpoint[] {
    return this.brokerList;
  }

  liveBrokerIds(): number[] {
    return this.brokerList.map((b) => b.nodeId);
  }

  putTopic(topic: TopicRecord): void {
    const previous = this.byName.get(topic.name);
    if (previous) this.byId.delete(previous.topicId);
    this.byName.set(topic.name, topic);
    this.byId.set(topic.topicId, topic);
  }

  removeTopic(topic: TopicRecord): void {
    this.byName.delete(topic.name);
    this.byId.delete(topic.topicId);
  }

  topic(name: string): TopicRecord | undefined {
    return this.byName.get(name);
  }

  topicById(topicId: string): TopicRecord | undefined {
    return this.byId.get(topicId);
  }

  topics(): IterableIterator<TopicRecord> {
    return this.byName.values();
  }
}
