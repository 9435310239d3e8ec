/**
 * BrokerProcess: starts broker-process-main.js in a child process (with --expose-gc) and talks to
 * it over IPC — its memory after full collections, its connection count, its log lines. `close()`
 * stops the broker cleanly, and kills the child if it does not exit within a few seconds, so a
 * failing test never leaves a process behind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

interface Reply {
  readonly id: number;
  readonly value: unknown;
}

const MAIN = fileURLToPath(new URL('./broker-process-main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 5_000;
const MAX_LOG_LINES = 10_000;

export class BrokerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  /** The broker's log lines (pino JSON), oldest first, at most MAX_LOG_LINES. */
  readonly logLines: string[] = [];
  private partialLine = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess, readonly port: number, readonly bootstrap: string) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.on('message', (message: Reply) => {
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message.value);
    });
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk));
  }

  /** Starts a broker with `config` (Kafka's property names) in a child process. */
  static start(config: Readonly<Record<string, string>> = {}): Promise<BrokerProcess> {
    const child = fork(MAIN, [JSON.stringify(config)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const early: Buffer[] = [];
      const collect = (chunk: Buffer): void => {
        early.push(chunk);
      };
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`broker process ${why}`));
      };
      const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      child.stdout?.on('data', collect);
      child.once('exit', (code) => fail(`exited with code ${code} before it started`));
      child.once('message', (message: Reply) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.off('data', collect);
        const { port, bootstrap } = message.value as { port: number; bootstrap: string };
        const broker = new BrokerProcess(child, port, bootstrap);
        for (const chunk of early) broker.onOutput(chunk);
        resolve(broker);
      });
    });
  }

  private onOutput(chunk: Buffer): void {
    const lines = (this.partialLine + chunk.toString('utf8')).split('\n');
    this.partialLine = lines.pop()!;
    for (const line of lines) {
      if (line.length === 0) continue;
      if (this.logLines.length === MAX_LOG_LINES) this.logLines.shift();
      this.logLines.push(line);
    }
  }

  private ask<T>(type: 'memory' | 'connections' | 'close'): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error('the broker process is gone'));
        return;
      }
      this.waiting.set(id, resolve as (value: unknown) => void);
      this.child.send({ id, type });
    });
  }

  /** The broker process's memory right after full garbage collections. */
  memory(): Promise<MemorySample> {
    return this.ask<MemorySample>('memory');
  }

  connectionCount(): Promise<number> {
    return this.ask<number>('connections');
  }

  /** True while the child process runs. */
  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async close(): Promise<void> {
    if (this.isRunning && this.child.connected) {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
      await Promise.race([this.ask<null>('close').then(() => this.exited), timeout]);
    }
    if (this.isRunning) this.child.kill('SIGKILL');
    await this.exited;
  }
}
