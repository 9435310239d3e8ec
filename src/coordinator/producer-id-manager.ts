/**
 * ProducerIdManager: hands out producer ids (InitProducerId) from blocks reserved through the
 * metadata store, as Kafka's brokers take blocks of 1000 from the controller. A block is reserved
 * durably before any id in it is given out, so an id is never reused across restarts; ids left in
 * a block when the broker stops are skipped, never handed out again.
 *
 * The next block is fetched in the background once 90% of the current one is used (Kafka's
 * threshold), so InitProducerId rarely waits on the store; concurrent callers share one fetch.
 */
import type { ProducerIdBlock } from '../cluster/metadata-store.js';

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export type ProducerIdAllocator = (count: number) => Promise<ProducerIdBlock>;

function ignore(): void {}

export class ProducerIdManager {
  /** The current block: ids in [next, end) are free. */
  private next = 0;
  private end = 0;
  private spare: ProducerIdBlock | null = null;
  private fetching: Promise<void> | null = null;

  constructor(private readonly allocate: ProducerIdAllocator, private readonly blockSize = PRODUCER_ID_BLOCK_SIZE) {}

  async generateProducerId(): Promise<number> {
    while (this.next >= this.end) {
      const spare = this.spare;
      if (spare) {
        this.spare = null;
        this.next = spare.firstProducerId;
        this.end = spare.firstProducerId + spare.size;
      } else {
        await this.fetchBlock();
      }
    }
    const id = this.next++;
    if (this.spare === null && this.fetching === null && this.end - this.next < this.blockSize / 10) {
      this.fetchBlock().catch(ignore);
    }
    return id;
  }

  private fetchBlock(): Promise<void> {
    this.fetching ??= this.allocate(this.blockSize).then(
      (block) => {
        this.fetching = null;
        this.spare = block;
      },
      (err: unknown) => {
        this.fetching = null;
        throw err;
      },
    );
    return this.fetching;
  }
}
