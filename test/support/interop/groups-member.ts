/**
 * Group members as the test sees them: a process per member, whatever its client, speaking the
 * line protocol of groups-member-protocol.ts. A GroupMember keeps what its process reported —
 * current assignment, how many rebalance callbacks it saw, the records it processed and the
 * offsets it committed — and can be asked to close cleanly or be killed (SIGKILL). Tests wait on
 * conditions over these reports with `waitUntil`, never on sleeps.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ExternalClient, interopScript, killOnExit, needs } from './external-client.js';
import type { MemberConfig, MemberEvent } from './groups-member-protocol.js';

export interface TestContext {
  after(fn: () => Promise<void> | void): void;
}

/**
 * Clean-ups for one scenario, run when the test ends in the reverse order of registration —
 * members before the broker they talk to — and every one even when another fails. (node:test
 * runs `t.after` hooks first-registered-first and stops at the first that throws, which would
 * leave member processes holding the test process open.)
 */
export class ScenarioScope implements TestContext {
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  constructor(t: TestContext) {
    t.after(() => this.run());
  }

  after(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  private async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

/**
 * Small timeouts so a killed member is noticed quickly: Kafka's smallest allowed session timeout
 * by default (group.min.session.timeout.ms = 6000), heartbeats every half second.
 */
export const MEMBER_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 } as const;

/** A group-interop suite's bound, whatever hangs (its tests take well under half of it). */
export const GROUP_SUITE = { timeout: 240_000 } as const;

/** node:test options for a group scenario needing `clients`: skipped outside CI when one is missing. */
export function groupTest(...clients: ExternalClient[]): { skip: string | false; timeout: number } {
  return { ...needs(...clients), timeout: 90_000 };
}

export interface ProcessedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

export interface MemberOptions {
  readonly groupId: string;
  readonly topic: string;
  /** The member's label in messages and its client id. */
  readonly name: string;
  readonly groupInstanceId?: string;
  readonly assignor?: string;
  readonly groupProtocol?: 'classic' | 'consumer';
}

/** Starts one member process of some client. */
export type MemberLauncher = (t: TestContext, bootstrap: string, options: MemberOptions) => GroupMember;

export class GroupMember {
  /** The whole assignment from the latest rebalance callback; null until the first. */
  assignment: readonly number[] | null = null;
  /** How many rebalance callbacks (assignment reports) the member has printed. */
  assignmentReports = 0;
  generationId: number | null = null;
  memberId: string | null = null;
  readonly processed: ProcessedRecord[] = [];
  /** Partition → the latest offset a successful commit named. */
  readonly committed = new Map<number, number>();
  readonly warnings: string[] = [];
  isClosed = false;
  /** Asked to close or killed: its exit is expected. */
  isStopping = false;
  hasExited = false;
  exitCode: number | null = null;
  stderr = '';
  readonly exited: Promise<void>;

  constructor(readonly name: string, private readonly child: ChildProcessWithoutNullStreams) {
    killOnExit(child);
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-20_000);
    });
    child.stdin.on('error', () => { /* the member may be gone already */ });
    this.exited = new Promise((resolve) => {
      child.once('close', (code) => {
        this.hasExited = true;
        this.exitCode = code;
        resolve();
      });
    });
  }

  static spawn(t: TestContext, name: string, command: string, args: readonly string[]): GroupMember {
    const member = new GroupMember(name, spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    t.after(() => member.kill());
    return member;
  }

  get isAlive(): boolean {
    return !this.hasExited && !this.isStopping;
  }

  /** Asks for a clean close (commit, leave) and waits for the process to exit 0. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.isStopping = true;
    this.child.stdin.write('close\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    if (this.exitCode !== 0 || !this.isClosed) {
      throw new Error(`member ${this.name} did not close cleanly (exit ${this.exitCode}); stderr: ${this.stderr.slice(-3000)}`);
    }
  }

  /** SIGKILL: no commit, no LeaveGroup; its session has to time out. */
  async kill(): Promise<void> {
    this.isStopping = true;
    if (!this.hasExited) this.child.kill('SIGKILL');
    await this.exited;
  }

  describe(): string {
    const state = this.hasExited ? `exited ${this.exitCode ?? 'by signal'}` : this.isStopping ? 'stopping' : 'alive';
    return `${this.name} [${state}] assignment=${JSON.stringify(this.assignment)} reports=${this.assignmentReports} gen=${this.generationId ?? '-'} ` +
      `processed=${this.processed.length} warnings=${this.warnings.slice(-3).join(' | ')}`;
  }

  private onLine(line: string): void {
    let event: MemberEvent;
    try {
      event = JSON.parse(line) as MemberEvent;
    } catch {
      this.stderr += `(stdout) ${line}\n`;
      return;
    }
    switch (event.event) {
      case 'assigned':
        this.assignment = event.partitions;
        this.assignmentReports++;
        this.generationId = event.generationId;
        this.memberId = event.memberId;
        break;
      case 'records':
        for (const [partition, offset, value] of event.records) this.processed.push({ partition, offset, value });
        break;
      case 'committed':
        for (const [partition, offset] of event.offsets) this.committed.set(partition, offset);
        break;
      case 'warning':
        this.warnings.push(event.message);
        break;
      case 'closed':
        this.isClosed = true;
        break;
    }
  }
}

function memberConfig(bootstrap: string, options: MemberOptions): MemberConfig {
  return {
    bootstrap, groupId: options.groupId, topic: options.topic, clientId: options.name,
    ...MEMBER_TIMINGS,
    groupInstanceId: options.groupInstanceId ?? null,
    assignor: options.assignor ?? null,
    groupProtocol: options.groupProtocol ?? 'classic',
  };
}

/** Members run by a compiled Node script beside this module (dist/test/support/interop/). */
export function nodeMemberLauncher(script: string): MemberLauncher {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  return (t, bootstrap, options) => GroupMember.spawn(t, options.name, process.execPath, [path, JSON.stringify(memberConfig(bootstrap, options))]);
}

/** Members run by a Python script of the source tree, with the interpreter that imports `client`. */
export function pythonMemberLauncher(client: ExternalClient, script: string): MemberLauncher {
  // -B: no __pycache__ in the source tree; -u: unbuffered, though the script flushes each line.
  return (t, bootstrap, options) => GroupMember.spawn(t, options.name, client.command, ['-B', '-u', interopScript(script), JSON.stringify(memberConfig(bootstrap, options))]);
}

/**
 * Waits until `condition()` holds, checking every 20 ms (after each check that needs the broker). Fails early when a member of `members`
 * exits without being asked to, and on timeout, with every member's state in the message.
 */
export async function waitUntil(what: string, members: readonly GroupMember[], condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    const died = members.find((m) => m.hasExited && !m.isStopping);
    if (died) throw new Error(`waiting for ${what}: member ${died.name} exited (${died.exitCode}); stderr: ${died.stderr.slice(-3000)}`);
    if (Date.now() > deadline) {
      const stderr = members.filter((m) => m.stderr.length > 0).map((m) => `--- ${m.name} stderr:\n${m.stderr.slice(-1500)}`).join('\n');
      throw new Error(`no ${what} within ${timeoutMs} ms:\n${members.map((m) => m.describe()).join('\n')}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
