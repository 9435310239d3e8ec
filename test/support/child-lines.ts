/**
 * Child Node processes for storage tests that need a real process (kills, a private tmpfs): spawn
 * a compiled script from `dist/test/support/`, read its stdout line by line, wait for lines with a
 * watchdog, and make sure it is dead when the test ends, pass or fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

type TestContext = { after(fn: () => void | Promise<void>): void };

/** Path of a compiled support script, e.g. `supportScript('append-child.js')`. */
export function supportScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ChildLines {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<ChildExit>;
  private hasExited = false;
  private wake: (() => void) | null = null;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.notify();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.hasExited = true;
        this.notify();
        resolve({ code, signal });
      });
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Waits until `done(lines)` holds; throws if the child exits first or `timeoutMs` passes. */
  async waitFor(done: (lines: readonly string[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.lines)) {
      if (this.hasExited) throw new Error(`child exited before ${what}; stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async kill(): Promise<ChildExit> {
    if (!this.hasExited) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** Spawns `command ...args` with piped stdio (stdin stays open: the child may watch it); killed when the test ends. */
export function spawnChild(t: TestContext, command: string, args: readonly string[]): ChildLines {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = new ChildLines(child);
  t.after(async () => {
    child.stdin?.end();
    await lines.kill();
  });
  return lines;
}
