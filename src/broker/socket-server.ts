/**
 * SocketServer: accepts client connections on one listener and owns them until they close.
 * Idle connections are closed after `connections.max.idle.ms` by one periodic sweep rather than a
 * timer per connection.
 */
import { type Server, type Socket, createServer } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerServices } from './api-handler.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { RequestBufferPool } from './request-buffer-pool.js';
import type { RequestDispatcher } from './request-dispatcher.js';

export interface SocketServerOptions {
  readonly host: string;
  readonly port: number;
  readonly services: BrokerServices;
  readonly dispatcher: RequestDispatcher;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  readonly idleMs: number;
}

export class SocketServer implements ConnectionOwner {
  readonly services: BrokerServices;
  readonly dispatcher: RequestDispatcher;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  readonly requestBuffers = new RequestBufferPool();
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: SocketServerOptions) {
    this.services = options.services;
    this.dispatcher = options.dispatcher;
    this.logger = options.logger;
    this.maxFrameBytes = options.maxFrameBytes;
    this.server = createServer(this.onConnection);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private readonly onConnection = (socket: Socket): void => {
    this.connections.add(new Connection(socket, this));
  };

  onClosed(connection: Connection): void {
    this.connections.delete(connection);
  }

  /** Starts listening; resolves with the bound address (the real port when 0 was asked). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('listener has no TCP address'));
          return;
        }
        if (this.options.idleMs > 0) {
          const every = Math.max(50, Math.min(30_000, Math.floor(this.options.idleMs / 4)));
          this.sweepTimer = setInterval(() => this.closeIdle(), every);
          this.sweepTimer.unref();
        }
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  private closeIdle(): void {
    const cutoff = this.services.clock() - this.options.idleMs;
    for (const c of this.connections) {
      if (c.isIdleSince(cutoff)) c.close(`idle for more than connections.max.idle.ms (${this.options.idleMs} ms)`, 'debug');
    }
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of [...this.connections]) c.close('broker shutting down', 'debug');
    await closed;
  }
}
