/**
 * Third-party clients as test judges: finding them, the CI rule, and running their processes.
 *
 * The rule: in CI (`CI` set and not "false"/"0") every client must be there, so a test that needs
 * a missing one fails, naming what to install; on a developer's machine it is skipped with the
 * same reason. Command-line and Python clients are probed once, synchronously, at module load
 * (before any broker runs in this process); child processes are always run asynchronously so an
 * in-process broker keeps serving them, and are killed when their time limit passes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const IS_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';

export interface ExternalClient {
  readonly name: string;
  /** The executable, or the Python interpreter that can import the client. */
  readonly command: string;
  readonly version: string;
  readonly isAvailable: boolean;
  /** Why it is missing and what installs it; empty when available. */
  readonly missingReason: string;
}

/** node:test options for a test that needs `clients`: skipped outside CI when one is missing. */
export function needs(...clients: ExternalClient[]): { skip: string | false; timeout: number } {
  const missing = clients.filter((c) => !c.isAvailable);
  const skip = missing.length > 0 && !IS_CI ? missing.map((c) => c.missingReason).join('; ') : false;
  return { skip, timeout: 60_000 };
}

/** Options for an interop suite: a bound on the whole file's run, whatever hangs. */
export const INTEROP_SUITE = { timeout: 100_000 } as const;

/** First line of a test that needs `clients`: throws in CI when one is missing. */
export function requireClients(...clients: ExternalClient[]): void {
  const missing = clients.filter((c) => !c.isAvailable);
  if (missing.length > 0) throw new Error(`required interop client missing (CI=${process.env.CI ?? ''}): ${missing.map((c) => c.missingReason).join('; ')}`);
}

function unavailable(name: string, reason: string): ExternalClient {
  return { name, command: '', version: '', isAvailable: false, missingReason: `${name} not found (${reason})` };
}

/** A command-line client, available when `command versionArgs` exits 0. */
export function probeCommand(name: string, command: string, versionArgs: string[], installHint: string,
  versionOf: (output: string) => string = (output) => output.split('\n').find((l) => /\d+\.\d+/.test(l))?.trim() ?? ''): ExternalClient {
  const probe = spawnSync(command, versionArgs, { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) return unavailable(name, installHint);
  return { name, command, version: versionOf(`${probe.stdout}${probe.stderr}`), isAvailable: true, missingReason: '' };
}

/**
 * A Python client module. Debian's python3-* packages install for /usr/bin/python3, which may not
 * be the first python3 on PATH (pyenv), so that interpreter is tried first.
 */
export function probePythonModule(name: string, module: string, versionExpr: string, installHint: string): ExternalClient {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', `import ${module}; print(${versionExpr})`], { encoding: 'utf8', timeout: 20_000 });
    if (!probe.error && probe.status === 0) {
      return { name, command: python, version: probe.stdout.trim(), isAvailable: true, missingReason: '' };
    }
  }
  return unavailable(name, installHint);
}

/** The repository root, found from this module's place in `test/` or `dist/test/`. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

/** An installed npm package's version, from its package.json (which its exports may not expose). */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(repositoryRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Python scripts live in the source tree (tsc does not copy them to dist/). */
export function interopScript(file: string): string {
  return resolve(repositoryRoot(), 'test', 'support', 'interop', file);
}

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string | Buffer;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each complete stdout line as it arrives. */
  readonly onLine?: (line: string, child: ChildProcess) => void;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills `child` if this process exits first (a test that timed out leaves no process behind). */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Runs a process to its end, killing it (and failing) when `timeoutMs` passes. */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    killOnExit(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let partialLine = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      if (!options.onLine) return;
      const lines = (partialLine + chunk.toString('utf8')).split('\n');
      partialLine = lines.pop()!;
      for (const line of lines) options.onLine(line, child);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs} ms; stderr: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`));
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    child.stdin.on('error', () => { /* the child may exit before reading its input */ });
    child.stdin.end(options.input ?? '');
  });
}

/** Like runProcess, but a non-zero exit is an error that carries the child's stderr. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code ?? result.signal}; stderr: ${result.stderr.slice(-3000)}; stdout: ${result.stdout.slice(-1000)}`);
  }
  return result;
}
