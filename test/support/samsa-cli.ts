/**
 * Runs the `samsa` command as people run it (`node dist/src/cli/samsa.js ...`) in a child process,
 * with standard input given up front and a kill timer bounding the run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SAMSA = fileURLToPath(new URL('../../src/cli/samsa.js', import.meta.url));

export interface SamsaRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runSamsa(args: readonly string[], options: { readonly input?: string; readonly limitMs?: number } = {}): Promise<SamsaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAMSA, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
    });
    child.stdin.end(options.input ?? '');
  });
}
