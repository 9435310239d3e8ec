/**
 * A broker in a process of its own, for tests that measure it (memory, connections) without the
 * test's own sockets and buffers in the figures. Started by BrokerProcess (broker-process.ts) with
 * `--expose-gc`; the broker config comes as JSON in argv[2]. Logs go to stdout as pino JSON lines.
 *
 * IPC messages: {id, type: 'memory'} → memoryUsage() after full collections; {id, type:
 * 'connections'} → the broker's connectionCount; {id, type: 'close'} → closes the broker and removes
 * its data directory. When the parent goes away the broker closes and the process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startBroker } from '../../src/broker/broker.js';

interface Command {
  readonly id: number;
  readonly type: 'memory' | 'connections' | 'close';
}

const config = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-broker-process-'));
const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env['SAMSA_CHILD_LOG'] ?? 'warn' }) });
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

let closing: Promise<void> | null = null;
function shutdown(): Promise<void> {
  closing ??= broker.close().finally(() => rmSync(dataDir, { recursive: true, force: true }));
  return closing;
}

function reply(id: number, value: unknown): void {
  process.send?.({ id, value });
}

process.on('message', (message: Command) => {
  switch (message.type) {
    case 'memory':
      // Twice: the first pass may only queue finalizers that free external (Buffer) memory.
      collectGarbage();
      collectGarbage();
      reply(message.id, process.memoryUsage());
      break;
    case 'connections':
      reply(message.id, broker.connectionCount);
      break;
    case 'close':
      void shutdown().then(() => {
        reply(message.id, null);
        process.disconnect();
      });
      break;
  }
});
process.on('disconnect', () => {
  void shutdown().then(() => process.exit(0));
});
process.send?.({ id: 0, value: { port: broker.port, bootstrap: broker.bootstrap } });
