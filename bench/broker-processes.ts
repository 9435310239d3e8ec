/**
 * Child processes for the real-client benchmarks: a Samsa broker (`samsa start --port 0`), the
 * mock cluster (librdkafka's in-memory mock as a process), and runs of client tools. Everything
 * listens on and talks to 127.0.0.1 only; every wait is bounded by a timeout, and every child
 * this module starts is tracked so `killStartedChildren` can end it (by its own pid) on the way out.
 *
 * The two client tools are built from the shared tools directory (SAMSA_BENCH_TOOLS, default
 * `../shared/tools` beside the repository) into /tmp on first use; neither is part of the repository.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** dist/bench/ → the repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED_TOOLS = process.env['SAMSA_BENCH_TOOLS'] ?? resolve(REPO_ROOT, '../shared/tools');
const RDKAFKA_PERF_DIR = '/tmp/rdkafka-perf';
const MOCK_CLUSTER_BINARY = '/tmp/mockcluster';
const SAMSA_CLI = join(REPO_ROOT, 'dist/src/cli/samsa.js');
const BUILD_TIMEOUT_MS = 10 * 60_000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

export interface BenchTools {
  /** librdkafka's own benchmark client. */
  readonly rdkafkaPerformance: string;
  readonly mockCluster: string;
}

/** Builds rdkafka_performance and the mock cluster into /tmp unless already there. */
export function buildTools(): BenchTools {
  const rdkafkaPerformance = join(RDKAFKA_PERF_DIR, 'rdkafka_performance');
  if (!existsSync(rdkafkaPerformance)) {
    // The build script installs librdkafka-dev when missing, which the mock cluster needs too.
    execFileSync(join(SHARED_TOOLS, 'rdkafka-perf/build'), [RDKAFKA_PERF_DIR], { stdio: ['ignore', 'ignore', 'inherit'], timeout: BUILD_TIMEOUT_MS });
  }
  if (!existsSync(MOCK_CLUSTER_BINARY)) {
    execFileSync('gcc', ['-O2', '-o', MOCK_CLUSTER_BINARY, join(SHARED_TOOLS, 'mockcluster.c'), '-lrdkafka'], { stdio: 'inherit', timeout: BUILD_TIMEOUT_MS });
  }
  return { rdkafkaPerformance, mockCluster: MOCK_CLUSTER_BINARY };
}

const started = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGKILLs every child this module started that is still running (each by its own pid). */
export function killStartedChildren(): void {
  for (const child of started) if (!hasExited(child)) child.kill('SIGKILL');
}

function exited(child: ChildProcess): Promise<void> {
  return hasExited(child) ? Promise.resolve() : new Promise((done) => child.once('exit', () => done()));
}

/** Sends `signal`, then SIGKILL if the child is still there after `timeoutMs`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (hasExited(child)) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited(child);
  clearTimeout(timer);
}

export interface ToolResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningTool {
  readonly done: Promise<ToolResult>;
  /** SIGINT: rdkafka_performance then prints its totals and exits. */
  interrupt(): void;
}

/** Starts `file`; it is SIGKILLed if still running after `timeoutMs`. */
export function startTool(file: string, args: readonly string[], timeoutMs: number): RunningTool {
  const child = track(spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ToolResult>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveDone({ code, signal, stdout, stderr });
    });
  });
  return { done, interrupt: () => { if (!hasExited(child)) child.kill('SIGINT'); } };
}

/** Runs `file` to the end; rejects unless it exits with 0. */
export async function runTool(file: string, args: readonly string[], timeoutMs: number, okCodes: readonly number[] = [0]): Promise<ToolResult> {
  const result = await startTool(file, args, timeoutMs).done;
  if (result.code === null || !okCodes.includes(result.code)) {
    throw new Error(`${file} ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  }
  return result;
}

/** The librdkafka version rdkafka_performance (and so the mock cluster) was built against, from its usage text. */
export async function librdkafkaVersion(tools: BenchTools): Promise<string> {
  const usage = await startTool(tools.rdkafkaPerformance, [], 10_000).done;
  return /librdkafka version (\S+)/.exec(usage.stdout + usage.stderr)?.[1] ?? 'unknown';
}

/** VmRSS of a live process, in KiB (0 once it is gone). */
export function readRssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The highest VmRSS of `pid` seen between start() and stop(), sampled every `intervalMs`. */
export class RssSampler {
  private peakKiB = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number, private readonly intervalMs = 50) {}

  start(): this {
    this.peakKiB = readRssKiB(this.pid);
    this.timer = setInterval(() => { this.peakKiB = Math.max(this.peakKiB, readRssKiB(this.pid)); }, this.intervalMs);
    return this;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Math.max(this.peakKiB, readRssKiB(this.pid));
  }
}

export interface SamsaProcess {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly bootstrap: string;
  /** ms from spawn to the "samsa broker started" log line. */
  readonly addressLoggedMs: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  stop(): Promise<void>;
}

/**
 * Spawns `node [nodeFlags] dist/src/cli/samsa.js start --port 0 --data-dir dataDir [--set K=V ...]`
 * (one `--set` per entry of `properties`) and resolves once it logs its bound address. Its log
 * lines are read and dropped (warnings and errors are echoed to stderr, so a failing run says why).
 */
export function startSamsa(dataDir: string, nodeFlags: readonly string[] = [], properties: Readonly<Record<string, string>> = {}): Promise<SamsaProcess> {
  const spawnedAt = performance.now();
  const sets = Object.entries(properties).flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  const child = track(spawn(process.execPath, [...nodeFlags, SAMSA_CLI, 'start', '--port', '0', '--data-dir', dataDir, ...sets], { stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => process.stderr.write(`[samsa] ${s}`));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`samsa did not log its address within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`samsa exited with ${code} before serving`));
    };
    child.once('exit', onEarlyExit);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/"level":(40|50|60)/.test(line)) process.stderr.write(`[samsa] ${line}\n`);
      const address = /"address":"([^"]+):(\d+)"/.exec(line);
      if (!address) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      const host = address[1]!;
      const port = Number(address[2]);
      resolveStart({
        pid: child.pid!, host, port, bootstrap: `${host}:${port}`, spawnedAt,
        addressLoggedMs: performance.now() - spawnedAt,
        stop: () => stopChild(child, 'SIGTERM', STOP_TIMEOUT_MS),
      });
    });
  });
}

export interface MockCluster {
  readonly pid: number;
  readonly bootstrap: string;
  stop(): Promise<void>;
}

/** One mock broker with `topics` (`partitions` partitions each) created up front. */
export function startMockCluster(binary: string, topics: readonly string[], partitions = 1): Promise<MockCluster> {
  const child = track(spawn(binary, ['1', ...topics.map((t) => `${t}:${partitions}`)], { stdio: ['ignore', 'pipe', 'ignore'] }));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the mock cluster did not print its address within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the mock cluster exited with ${code} before serving`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      if (!/^127\.0\.0\.1:\d+$/.test(line.trim())) {
        child.kill('SIGKILL');
        reject(new Error(`unexpected mock cluster address ${JSON.stringify(line)}`));
        return;
      }
      resolveStart({ pid: child.pid!, bootstrap: line.trim(), stop: () => stopChild(child, 'SIGTERM', STOP_TIMEOUT_MS) });
    });
  });
}
