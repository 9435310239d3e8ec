/**
 * startBroker: the broker as a library. It opens the log directories (recovering after a crash),
 * loads cluster metadata, brings up the partitions this node leads, and listens; the returned
 * handle has the bound address and `close()`, which stops listening, completes waiting requests,
 * flushes every log and marks the shutdown clean.
 *
 * `startBroker({ port: 0, dataDir })` is how tests run a real broker in-process.
 */
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { Controller } from '../cluster/controller.js';
import { LocalMetadataStore } from '../cluster/local-metadata-store.js';
import type { MetadataStore } from '../cluster/metadata-store.js';
import { CoordinatorTimer } from '../coordinator/group/coordinator-timer.js';
import { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import { ProducerIdManager } from '../coordinator/producer-id-manager.js';
import { LogManager } from '../storage/log-manager.js';
import type { BrokerServices } from './api-handler.js';
import { type BrokerConfig, brokerConfigFrom } from './broker-config.js';
import { FetchSessionCache } from './fetch-session-cache.js';
import { GroupCoordinatorLog } from './group-coordinator-log.js';
import { MetadataCache } from './metadata-cache.js';
import { ReplicaManager } from './replica-manager.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { SocketServer } from './socket-server.js';
import { applyTopicChanges } from './topic-creation.js';

export interface BrokerOptions {
  /** Broker properties by Kafka's names (`listeners`, `log.dirs`, `num.partitions`, ...). */
  readonly config?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Shorthands that override `listeners` / `log.dirs`. */
  readonly host?: string;
  readonly port?: number;
  readonly dataDir?: string;
  readonly logger?: Logger;
  readonly clock?: () => number;
}

export interface BrokerHandle {
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly config: BrokerConfig;
  readonly services: BrokerServices;
  /** Client connections open now (idle ones are closed after connections.max.idle.ms). */
  readonly connectionCount: number;
  close(): Promise<void>;
}

export const SAMSA_VERSION: string = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

function effectiveProperties(options: BrokerOptions): Map<string, string> {
  const given = options.config instanceof Map ? options.config : new Map(Object.entries(options.config ?? {}));
  const props = new Map<string, string>(given);
  if (options.host !== undefined || options.port !== undefined) {
    const base = brokerConfigFrom(new Map([...props].filter(([k]) => k === 'listeners'))).listeners[0]!;
    props.set('listeners', `${base.name}://${options.host ?? base.host}:${options.port ?? base.port}`);
  }
  if (options.dataDir !== undefined) props.set('log.dirs', options.dataDir);
  return props;
}

export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const config = brokerConfigFrom(effectiveProperties(options));
  const logger = options.logger ?? pino({ name: 'samsa' });
  const clock = options.clock ?? Date.now;
  const logDirs = config.logDirs.map((d) => resolve(d));
  for (const dir of logDirs) mkdirSync(dir, { recursive: true });

  const logManager = LogManager.open({ logDirs, defaultConfig: config.logConfig, clock, logger });
  const store: MetadataStore = new LocalMetadataStore(logDirs[0]!);
  let server: SocketServer | null = null;
  try {
    const image = await store.load();
    const listener = config.listeners[0]!;
    const metadataCache = new MetadataCache(image.clusterId, config.nodeId);
    const replicaManager = new ReplicaManager(logManager, config.nodeId, clock, { producerIdExpirationMs: config.producerIdExpirationMs, logger });
    const dispatcher = new RequestDispatcher();
    const services: { -readonly [K in keyof BrokerServices]: BrokerServices[K] } = {
      config, nodeId: config.nodeId, metadataCache, replicaManager, logManager, clock, logger,
      producerIdManager: new ProducerIdManager((count) => store.allocateProducerIds(count)),
      controller: undefined as unknown as Controller,
      apiVersions: () => dispatcher.versions,
      fetchSessions: new FetchSessionCache(),
      groupCoordinatorLog: undefined as unknown as GroupCoordinatorLog,
      groupCoordinator: undefined as unknown as GroupCoordinator,
    };
    services.groupCoordinatorLog = new GroupCoordinatorLog(services);
    services.groupCoordinator = new GroupCoordinator({
      config: config.groupCoordinator,
      log: services.groupCoordinatorLog,
      topics: {
        topic: (name) => {
          const topic = metadataCache.topic(name);
          return topic && { topicId: topic.topicId, partitionCount: topic.partitions.length };
        },
        topicName: (topicId) => metadataCache.topicById(topicId)?.name,
        topicNames: () => [...metadataCache.topics()].map((t) => t.name),
      },
      timer: new CoordinatorTimer(),
      logger,
    });
    services.controller = new Controller(store, image, {
      nodeId: config.nodeId,
      liveBrokers: () => metadataCache.liveBrokerIds(),
      defaultPartitions: config.numPartitions,
      defaultReplicationFactor: config.defaultReplicationFactor,
      baseLogConfig: config.logConfig,
      onTopicsChanged: (changed, deleted) => applyTopicChanges(services, changed, deleted),
    });
    // Until the listener is bound the advertised port may be unknown (port 0); set it after.
    metadataCache.setBrokers([{ nodeId: config.nodeId, host: listener.host, port: listener.port, rack: null }]);
    await applyTopicChanges(services, [...services.controller.allTopics()], []);
    // The partitions of `__consumer_offsets` this node leads are loaded once the topic exists: now if
    // it is on disk, else when FindCoordinator first creates it.
    const groupCoordinator = services.groupCoordinator;
    services.groupCoordinatorLog.onPartitionsLed = (partitions) => {
      for (const partition of partitions) {
        groupCoordinator.onElection(partition).catch((err: unknown) => logger.error({ err, partition }, 'loading group coordinator partition failed'));
      }
    };
    services.groupCoordinatorLog.onPartitionsResigned = (partitions) => {
      for (const partition of partitions) groupCoordinator.onResignation(partition);
    };
    services.groupCoordinatorLog.announceLedPartitions();

    server = new SocketServer({
      host: listener.host, port: listener.port, services, dispatcher, logger,
      maxFrameBytes: config.socketRequestMaxBytes, idleMs: config.connectionsMaxIdleMs,
    });
    const bound = await server.listen();
    const advertised = config.advertisedListeners[0]!;
    const advertisedPort = advertised.port === 0 || config.advertisedListeners === config.listeners ? bound.port : advertised.port;
    const advertisedHost = advertised.host === '' || advertised.host === '0.0.0.0' ? '127.0.0.1' : advertised.host;
    metadataCache.setBrokers([{ nodeId: config.nodeId, host: advertisedHost, port: advertisedPort, rack: null }]);

    const maintenance = setInterval(() => {
      logManager.runMaintenance().catch((err: unknown) => logger.error({ err }, 'log maintenance failed'));
      replicaManager.maintainProducerState();
    }, Math.min(config.logRetentionCheckIntervalMs, 60_000));
    maintenance.unref();

    logger.info({ address: `${bound.host}:${bound.port}`, advertised: `${advertisedHost}:${advertisedPort}`, dataDirs: logDirs, version: SAMSA_VERSION, nodeId: config.nodeId, clusterId: image.clusterId }, 'samsa broker started');

    const running = server;
    let closing: Promise<void> | null = null;
    return {
      host: bound.host,
      port: bound.port,
      bootstrap: `${advertisedHost}:${advertisedPort}`,
      nodeId: config.nodeId,
      clusterId: image.clusterId,
      config,
      services,
      get connectionCount(): number {
        return running.connectionCount;
      },
      close(): Promise<void> {
        closing ??= (async () => {
          clearInterval(maintenance);
          groupCoordinator.shutdown();
          replicaManager.shutdown();
          await running.close();
          replicaManager.snapshotProducerState();
          await logManager.close();
          await store.close();
          logger.info({ dataDirs: logDirs }, 'samsa broker stopped cleanly');
        })();
        return closing;
      },
    };
  } catch (err) {
    if (server) await server.close();
    await logManager.close();
    await store.close();
    throw err;
  }
}
