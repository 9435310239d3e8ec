/**
 * ConnectionPool: the client's connections to a cluster — one to the bootstrap address, which
 * answers metadata and admin requests, and one per broker that leads partitions the client
 * reads or writes, opened on first use from the addresses metadata advertises.
 *
 * A cluster of one broker is reached through the bootstrap connection alone: its advertised
 * address may differ from the one the user typed (`localhost` vs `127.0.0.1`) and both name the
 * same broker.
 */
import { BrokerConnectionError } from './client-errors.js';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka-connection.js';
import type { ClusterMetadata } from './metadata.js';

export type ConnectionPoolOptions = Omit<KafkaConnectionOptions, 'host' | 'port'>;

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` (`[::1]:9092` for IPv6); throws RangeError for anything else. */
export function parseBrokerAddress(text: string): BrokerAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new RangeError(`expected HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2]!, port };
}

export class ConnectionPool {
  private readonly byNode = new Map<number, Promise<KafkaConnection>>();

  private constructor(readonly bootstrap: KafkaConnection, private readonly options: ConnectionPoolOptions) {}

  static async open(bootstrap: BrokerAddress, options: ConnectionPoolOptions = {}): Promise<ConnectionPool> {
    const connection = await KafkaConnection.connect({ ...options, host: bootstrap.host, port: bootstrap.port });
    return new ConnectionPool(connection, options);
  }

  /** The connection to broker `nodeId`, as `metadata` lists it. */
  connectionTo(nodeId: number, metadata: ClusterMetadata): Promise<KafkaConnection> {
    if (metadata.brokers.length === 1 && metadata.brokers[0]!.nodeId === nodeId) return Promise.resolve(this.bootstrap);
    const broker = metadata.brokers.find((b) => b.nodeId === nodeId);
    if (!broker) {
      const message = `broker ${nodeId} is not in the cluster metadata (brokers: ${metadata.brokers.map((b) => b.nodeId).join(', ') || 'none'})`;
      return Promise.reject(new BrokerConnectionError(`node ${nodeId}`, message, undefined, true));
    }
    if (`${broker.host}:${broker.port}` === this.bootstrap.address) return Promise.resolve(this.bootstrap);
    let connection = this.byNode.get(nodeId);
    if (!connection) {
      connection = KafkaConnection.connect({ ...this.options, host: broker.host, port: broker.port });
      connection.catch(() => this.byNode.delete(nodeId));
      this.byNode.set(nodeId, connection);
    }
    return connection;
  }

  /** Closes every connection; requests still waiting fail. */
  async close(): Promise<void> {
    this.bootstrap.close();
    const others = await Promise.allSettled(this.byNode.values());
    for (const o of others) if (o.status === 'fulfilled') o.value.close();
    this.byNode.clear();
  }
}
