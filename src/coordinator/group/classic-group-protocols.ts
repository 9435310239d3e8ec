/**
 * How a classic group settles on one protocol, and what it learns from the chosen protocol's
 * metadata (Kafka's ClassicGroup.selectProtocol and computeSubscribedTopics).
 *
 * Every member lists the protocols it supports (assignors, for consumers) in its order of preference.
 * The candidates are the protocols all members support; each member votes for its most preferred
 * candidate, and the protocol with most votes is the group's. A member may join only if it shares
 * at least one candidate with the group.
 */
import { ConsumerProtocolSubscription } from '../../protocol/generated/index.js';
import { Reader } from '../../protocol/primitives/index.js';
import type { ClassicGroupMember } from './classic-group-member.js';

export class ProtocolVotes {
  /** Protocol name → how many members support it. */
  private readonly supporters = new Map<string, number>();

  add(member: ClassicGroupMember): void {
    this.count(member, 1);
  }

  remove(member: ClassicGroupMember): void {
    this.count(member, -1);
  }

  private count(member: ClassicGroupMember, delta: number): void {
    for (const p of member.supportedProtocols) this.supporters.set(p.name, (this.supporters.get(p.name) ?? 0) + delta);
  }

  /** Does one of these protocols have the support of all `memberCount` members? */
  hasCommon(protocolNames: readonly string[], memberCount: number): boolean {
    return protocolNames.some((name) => this.supporters.get(name) === memberCount);
  }

  select(members: readonly ClassicGroupMember[]): string {
    const candidates = new Set<string>();
    for (const [name, count] of this.supporters) if (count === members.length) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let winner = '';
    let most = 0;
    for (const [name, count] of votes) {
      if (count > most) {
        winner = name;
        most = count;
      }
    }
    return winner;
  }
}

/**
 * The topics a consumer group's members subscribe to, read from their metadata for the chosen
 * protocol: a consumer-protocol subscription, parsed as its version 0 prefix (which every later
 * version extends). Null when some member's metadata cannot be parsed.
 */
export function subscribedTopicsOf(members: Iterable<ClassicGroupMember>, protocolName: string): ReadonlySet<string> | null {
  const topics = new Set<string>();
  try {
    for (const m of members) {
      const reader = new Reader(m.metadata(protocolName));
      reader.readInt16();
      for (const topic of ConsumerProtocolSubscription.read(reader, 0).topics) topics.add(topic);
    }
  } catch {
    return null;
  }
  return topics;
}
