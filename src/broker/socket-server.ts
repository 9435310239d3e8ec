/**
 * SocketServer: accepts client connections on one listener and owns them until they close.
 * Idle connections are closed after `connections.max.idle.ms` by one periodic sweep rather than a
 * timer per connection. Connections are accepted paused, so that their sockets can be rebuilt to
 * read into the server's FrameMemory before the first byte is read (direct-read-socket.ts).
 */
import { type Server, type Socket, createServer } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerServices } from './api-handler.js';
import { BufferPool } from './buffer-pool.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { withDirectReads } from './direct-read-socket.js';
import { FrameMemory } from './frame-memory.js';
import { FrameReader } from './frame-reader.js';
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
  readonly frameMemory = new FrameMemory();
  readonly readBufferPool = new BufferPool();
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: SocketServerOptions) {
    this.services = options.services;
    this.dispatcher = options.dispatcher;
    this.logger = options.logger;
    this.maxFrameBytes = options.maxFrameBytes;
    this.server = createServer({ pauseOnConnect: true }, this.onConnection);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private readonly onConnection = (accepted: Socket): void => {
    const reader = new FrameReader(this.maxFrameBytes, this.frameMemory);
    let connection: Connection | null = null;
    const socket = withDirectReads(accepted, {
      buffer: () => reader.readTarget(),
      callback: (count, buffer) => connection?.onRead(buffer, count),
    });
    connection = new Connection(socket ?? accepted, this, reader, socket !== null);
    this.connections.add(connection);
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
