/**
 * ClassicGroupMember: one member of a classic group (JoinGroup/SyncGroup protocol), as Kafka's
 * ClassicGroupMember holds it: identity (member id, optional static group.instance.id), client, the
 * timeouts it asked for, the protocols it supports in its order of preference with their metadata,
 * the assignment the leader gave it, and the JoinGroup / SyncGroup request parked on it while a
 * rebalance is under way (answered through `awaitingJoin` / `awaitingSync`).
 *
 * Byte fields are copied on the way in: decoded requests hand out views of the frame they came in,
 * and a member outlives its request by hours.
 */
import type { JoinGroupResponse, SyncGroupResponse } from '../../protocol/generated/index.js';

export interface ClassicProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export type JoinResponder = (response: JoinGroupResponse) => void;
export type SyncResponder = (response: SyncGroupResponse) => void;

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export function copyProtocols(protocols: readonly ClassicProtocol[]): ClassicProtocol[] {
  return protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
}

export interface ClassicGroupMemberInit {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly supportedProtocols: readonly ClassicProtocol[];
  readonly assignment?: Buffer;
}

export class ClassicGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  supportedProtocols: ClassicProtocol[];
  assignment: Buffer;
  awaitingJoin: JoinResponder | null = null;
  awaitingSync: SyncResponder | null = null;
  /** Joined in the rebalance under way and not yet given a generation: may be expired while awaiting join. */
  isNew = false;

  constructor(init: ClassicGroupMemberInit) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.supportedProtocols = copyProtocols(init.supportedProtocols);
    this.assignment = init.assignment === undefined ? EMPTY_ASSIGNMENT : Buffer.from(init.assignment);
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The metadata this member sent for the protocol (the group's chosen one). */
  metadata(protocolName: string): Buffer {
    const protocol = this.supportedProtocols.find((p) => p.name === protocolName);
    if (!protocol) throw new Error(`member ${this.memberId} does not support protocol ${protocolName}`);
    return protocol.metadata;
  }

  /**
   * Kafka's hasSatisfiedHeartbeat: a member parked in a JoinGroup or SyncGroup is alive by
   * definition, except a member new to this rebalance, whose join may time out (the client could
   * have given up and retried, leaving a defunct member behind).
   */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  /** Same protocols, same order, same metadata: a rejoin that changes nothing. */
  matches(protocols: readonly ClassicProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => p.name === this.supportedProtocols[i]!.name && p.metadata.equals(this.supportedProtocols[i]!.metadata));
  }

  /** The member's most preferred protocol among the candidates every member supports. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.supportedProtocols.find((p) => candidates.has(p.name));
    if (!choice) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }
}
