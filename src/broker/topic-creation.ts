/**
 * Turns controller topic plans into committed topics and keeps the broker's view in step: the
 * controller's announcements land here (metadata cache, replica manager), and auto-creation
 * (Metadata for an unknown topic with auto.create.topics.enable) goes through the same path as
 * CreateTopics.
 */
import type { TopicRecord } from '../cluster/metadata-store.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { BrokerServices } from './api-handler.js';
import { OFFSETS_TOPIC } from './group-coordinator-log.js';

/** Controller announcement → broker state. */
export async function applyTopicChanges(broker: Omit<BrokerServices, 'apiVersions'>, changed: readonly TopicRecord[], deleted: readonly TopicRecord[]): Promise<void> {
  for (const topic of changed) {
    broker.metadataCache.putTopic(topic);
    broker.replicaManager.applyTopic(topic, broker.controller.logConfigFor(topic.configs));
  }
  for (const topic of deleted) {
    if (topic.name === OFFSETS_TOPIC) broker.groupCoordinatorLog.topicDeleted(topic);
    broker.metadataCache.removeTopic(topic);
    await broker.replicaManager.removeTopic(topic);
  }
}

/**
 * Creates the named topics with broker defaults (auto-creation). Returns, per name, the KafkaError
 * that prevented it (an invalid name), or nothing when the topic now exists. `__consumer_offsets`
 * is created as the group coordinator creates it (its own partition count and configs), as
 * Kafka's auto-creation does for its internal topics.
 */
export async function autoCreateTopics(broker: BrokerServices, names: readonly string[]): Promise<Map<string, KafkaError>> {
  const errors = new Map<string, KafkaError>();
  const plans: TopicRecord[] = [];
  for (const name of new Set(names)) {
    if (broker.controller.topic(name)) continue;
    if (name === OFFSETS_TOPIC) {
      await broker.groupCoordinatorLog.ensureTopic().catch((err: unknown) => {
        if (!(err instanceof KafkaError)) throw err;
        errors.set(name, new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, err.message));
      });
      continue;
    }
    try {
      plans.push(broker.controller.planTopic({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} }));
    } catch (err) {
      if (err instanceof KafkaError) errors.set(name, err);
      else throw err;
    }
  }
  await broker.controller.createTopics(plans);
  for (const plan of plans) broker.logger.info({ topic: plan.name, partitions: plan.partitions.length }, 'auto-created topic');
  return errors;
}
