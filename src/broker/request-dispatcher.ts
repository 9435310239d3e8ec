/**
 * RequestDispatcher: the dispatch table — the only list of what this broker serves. Each entry is
 * a handler module's key and version range joined with the generated codecs of that API;
 * ApiVersions is answered from this same table.
 */
import { API_BY_KEY, type ApiSpec } from '../protocol/generated/index.js';
import type { ApiHandler, ApiVersionRange } from './api-handler.js';
import { alterConfigsHandler } from './handlers/alter-configs.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { consumerGroupDescribeHandler } from './handlers/consumer-group-describe.js';
import { consumerGroupHeartbeatHandler } from './handlers/consumer-group-heartbeat.js';
import { createPartitionsHandler } from './handlers/create-partitions.js';
import { createTopicsHandler } from './handlers/create-topics.js';
import { deleteGroupsHandler } from './handlers/delete-groups.js';
import { deleteRecordsHandler } from './handlers/delete-records.js';
import { deleteTopicsHandler } from './handlers/delete-topics.js';
import { describeClusterHandler } from './handlers/describe-cluster.js';
import { describeConfigsHandler } from './handlers/describe-configs.js';
import { describeGroupsHandler } from './handlers/describe-groups.js';
import { describeLogDirsHandler } from './handlers/describe-log-dirs.js';
import { describeTopicPartitionsHandler } from './handlers/describe-topic-partitions.js';
import { fetchHandler } from './handlers/fetch.js';
import { findCoordinatorHandler } from './handlers/find-coordinator.js';
import { heartbeatHandler } from './handlers/heartbeat.js';
import { incrementalAlterConfigsHandler } from './handlers/incremental-alter-configs.js';
import { initProducerIdHandler } from './handlers/init-producer-id.js';
import { joinGroupHandler } from './handlers/join-group.js';
import { leaveGroupHandler } from './handlers/leave-group.js';
import { listGroupsHandler } from './handlers/list-groups.js';
import { listOffsetsHandler } from './handlers/list-offsets.js';
import { metadataHandler } from './handlers/metadata.js';
import { offsetCommitHandler } from './handlers/offset-commit.js';
import { offsetDeleteHandler } from './handlers/offset-delete.js';
import { offsetFetchHandler } from './handlers/offset-fetch.js';
import { offsetForLeaderEpochHandler } from './handlers/offset-for-leader-epoch.js';
import { produceHandler } from './handlers/produce.js';
import { syncGroupHandler } from './handlers/sync-group.js';

export interface DispatchEntry {
  readonly api: ApiSpec;
  readonly handler: ApiHandler<unknown, unknown>;
}

const HANDLERS: readonly ApiHandler<unknown, unknown>[] = [
  produceHandler,
  initProducerIdHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  describeTopicPartitionsHandler,
  findCoordinatorHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
];

export class RequestDispatcher {
  private readonly entries = new Map<number, DispatchEntry>();
  readonly versions: readonly ApiVersionRange[];

  constructor(handlers: readonly ApiHandler<unknown, unknown>[] = HANDLERS) {
    for (const handler of handlers) {
      const api = API_BY_KEY.get(handler.apiKey);
      if (!api) throw new Error(`handler for unknown API key ${handler.apiKey}`);
      if (handler.minVersion < api.lowestVersion || handler.maxVersion > api.highestStableVersion) {
        throw new Error(`${api.name} handler serves ${handler.minVersion}-${handler.maxVersion}, outside the released ${api.lowestVersion}-${api.highestStableVersion}`);
      }
      this.entries.set(handler.apiKey, { api, handler });
    }
    this.versions = [...this.entries.values()]
      .map((e) => ({ apiKey: e.api.apiKey, minVersion: e.handler.minVersion, maxVersion: e.handler.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  lookup(apiKey: number): DispatchEntry | undefined {
    return this.entries.get(apiKey);
  }
}
