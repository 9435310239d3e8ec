/**
 * Brokers for the interop tests: in-process (`startBroker` on port 0 with a temp data dir, closed
 * and removed after the test) or as a child `samsa start` process, for tests that kill it.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../../src/broker/broker.js';
import type { ApiVersionsResponse, CreateTopicsResponse } from '../../../src/protocol/generated/index.js';
import { RawClient } from '../raw-client.js';
import { killOnExit, repositoryRoot } from './external-client.js';

interface TestContext {
  after(fn: () => Promise<void> | void): void;
}

export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A broker in this process, closed and its data removed when the test ends. */
export async function startTestBroker(t: TestContext, config: Record<string, string> = {}): Promise<BrokerHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-interop-'));
  const broker = await startBroker({ port: 0, dataDir, config, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }) });
  t.after(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return broker;
}

/** Creates a topic through CreateTopics v7, as any client would. */
export async function createTopic(port: number, name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<void> {
  const client = await RawClient.connect('127.0.0.1', port);
  try {
    const res = await client.request<CreateTopicsResponse>(19, 7, {
      timeoutMs: 10_000, validateOnly: false,
      topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    });
    assert.equal(res.topics[0]!.errorCode, 0, `create topic ${name}: ${res.topics[0]!.errorMessage ?? ''}`);
  } finally {
    client.close();
  }
}

/** What the broker advertises in ApiVersions (v3), by API key. */
export async function advertisedVersions(port: number): Promise<Map<number, { minVersion: number; maxVersion: number }>> {
  const client = await RawClient.connect('127.0.0.1', port);
  try {
    const res = await client.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 'samsa-interop', clientSoftwareVersion: '1' });
    return new Map(res.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
  } finally {
    client.close();
  }
}

/**
 * A broker as a child process (`node dist/src/cli/samsa.js start`), for tests that kill it. Its
 * bound address is read from the JSON log line it prints when it has started.
 */
export class BrokerProcess {
  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly port: number, readonly output: string[]) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  static start(dataDir: string, port = 0, timeoutMs = 20_000): Promise<BrokerProcess> {
    const cli = join(repositoryRoot(), 'dist', 'src', 'cli', 'samsa.js');
    const child = spawn(process.execPath, [cli, 'start', '--port', String(port), '--data-dir', dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    killOnExit(child);
    const output: string[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`samsa start did not report its address within ${timeoutMs} ms: ${output.join('').slice(-2000)}`));
      }, timeoutMs);
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          const address = startedAddress(line);
          if (address === null) continue;
          clearTimeout(timer);
          resolve(new BrokerProcess(child, Number(address.slice(address.lastIndexOf(':') + 1)), output));
        }
      });
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`samsa start exited (${code ?? signal}) before starting: ${output.join('').slice(-2000)}`));
      });
    });
  }

  /** Sends `signal` and waits for the process to be gone. */
  stop(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

function startedAddress(line: string): string | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as { msg?: string; address?: string };
    return entry.msg === 'samsa broker started' && typeof entry.address === 'string' ? entry.address : null;
  } catch {
    return null;
  }
}
