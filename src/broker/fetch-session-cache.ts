/**
 * Incremental fetch sessions (KIP-227). A client that fetches many partitions opens a session with
 * one full request; afterwards it sends only the partitions whose fetch position changed (and the
 * ones to forget), and the broker answers only the partitions with something new — records, a
 * moved high watermark / log start offset / last stable offset, or an error.
 *
 * Sessions live in a bounded cache (Kafka's `max.incremental.fetch.session.cache.slots`, 1000);
 * when it is full the least recently used session is evicted and its client, on its next request,
 * gets FETCH_SESSION_ID_NOT_FOUND and starts over with a full request.
 */

/** What the session remembers of one partition: the client's last request and what was last sent. */
export interface SessionPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  sentHighWatermark: number;
  sentLogStartOffset: number;
  sentLastStableOffset: number;
}

export class FetchSession {
  /** The epoch the next incremental request must carry. */
  nextEpoch = 1;
  lastUsedMs: number;
  /** Keyed "topic-partition"; insertion order is the order partitions are answered in. */
  readonly partitions = new Map<string, SessionPartition>();

  constructor(readonly id: number, nowMs: number) {
    this.lastUsedMs = nowMs;
  }
}

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
export const NO_SESSION_ID = 0;

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private lastId = 0;

  constructor(private readonly maxSlots = 1000) {}

  get size(): number {
    return this.sessions.size;
  }

  /** A new session, evicting the least recently used one if the cache is full; null if no slots. */
  create(nowMs: number): FetchSession | null {
    if (this.maxSlots <= 0) return null;
    if (this.sessions.size >= this.maxSlots) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    let id = this.lastId;
    do {
      id = id >= 0x7fffffff ? 1 : id + 1;
    } while (this.sessions.has(id));
    this.lastId = id;
    const session = new FetchSession(id, nowMs);
    this.sessions.set(id, session);
    return session;
  }

  /** The session, marked as just used (moved to the most recent end). */
  get(id: number, nowMs: number): FetchSession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    this.sessions.set(id, session);
    session.lastUsedMs = nowMs;
    return session;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }
}
