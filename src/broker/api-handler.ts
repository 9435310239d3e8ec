/**
 * What a handler module exports and what it is given. A handler stays thin: it checks input, asks
 * the owner of the state (ReplicaManager, Controller, MetadataCache), and maps outcomes to Kafka's
 * per-topic / per-partition error codes. It returns the response body, or null when the request
 * takes no response (Produce with acks=0).
 */
import type { Logger } from 'pino';
import type { Controller } from '../cluster/controller.js';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import type { ProducerIdManager } from '../coordinator/producer-id-manager.js';
import type { LogManager } from '../storage/log-manager.js';
import type { ReadBufferSource } from '../storage/read-buffer-source.js';
import type { BrokerConfig } from './broker-config.js';
import type { FetchSessionCache } from './fetch-session-cache.js';
import type { GroupCoordinatorLog } from './group-coordinator-log.js';
import type { MetadataCache } from './metadata-cache.js';
import type { ReplicaManager } from './replica-manager.js';

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The broker's parts a handler may use. */
export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly nodeId: number;
  readonly metadataCache: MetadataCache;
  readonly controller: Controller;
  readonly replicaManager: ReplicaManager;
  /** Producer ids for InitProducerId. */
  readonly producerIdManager: ProducerIdManager;
  readonly logManager: LogManager;
  readonly clock: () => number;
  readonly logger: Logger;
  /** What ApiVersions advertises: the dispatch table's ranges. */
  readonly apiVersions: () => readonly ApiVersionRange[];
  /** Incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** `__consumer_offsets`: its creation (FindCoordinator), and the group coordinator's records. */
  readonly groupCoordinatorLog: GroupCoordinatorLog;
  /** Consumer groups (classic and KIP-848) and their committed offsets. */
  readonly groupCoordinator: GroupCoordinator;
}

export interface RequestContext {
  readonly broker: BrokerServices;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly clientAddress: string;
  /** Closes the client's connection after this request (Kafka does so on a failed acks=0 produce). */
  closeConnection(reason: string): void;
  /** For log reads whose bytes go into the response: reused once the response is written. */
  readonly readBuffers?: ReadBufferSource;
}

export interface ApiHandler<Req, Res> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: Req): Res | null | Promise<Res | null>;
}

/** Erases a handler's request/response types for the dispatch table (the codecs restore them). */
export function defineHandler<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler<unknown, unknown> {
  return handler as unknown as ApiHandler<unknown, unknown>;
}
