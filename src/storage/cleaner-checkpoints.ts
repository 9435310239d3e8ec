/**
 * CleanerCheckpoints: each compacted log's cleaner checkpoint, the offset below which it is clean,
 * kept in `cleaner-offset-checkpoint` in every log directory (Kafka's checkpoint format: version,
 * count, then `topic partition offset` lines). Read once per directory, rewritten whole after each
 * completed pass; entries of logs no longer in the directory are dropped then.
 */
import { dirname, join } from 'node:path';
import { readOffsetCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import type { StorageLogger } from './log-manager.js';
import type { PartitionLog } from './partition-log.js';

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

export class CleanerCheckpoints {
  /** Log directory → partition name → offset. */
  private readonly byDir = new Map<string, Map<string, number>>();

  constructor(private readonly logger: StorageLogger) {}

  /** The checkpoint of `log`, if a pass ever completed on it. */
  offsetOf(log: PartitionLog): number | undefined {
    return this.offsetsIn(dirname(log.dir)).get(log.name);
  }

  /** Records a completed pass and rewrites the file of `log`'s directory, listing `logs` there. */
  update(log: PartitionLog, offset: number, logs: Iterable<PartitionLog>): void {
    const logDir = dirname(log.dir);
    const offsets = this.offsetsIn(logDir);
    offsets.set(log.name, offset);
    const entries: (string | number)[][] = [];
    for (const other of logs) {
      const known = offsets.get(other.name);
      if (known !== undefined && dirname(other.dir) === logDir) entries.push([other.topic, other.partition, known]);
    }
    writeCheckpoint(join(logDir, CLEANER_OFFSET_CHECKPOINT), entries);
  }

  private offsetsIn(logDir: string): Map<string, number> {
    let offsets = this.byDir.get(logDir);
    if (!offsets) {
      try {
        offsets = readOffsetCheckpoint(join(logDir, CLEANER_OFFSET_CHECKPOINT));
      } catch (err) {
        this.logger.warn({ logDir, err: (err as Error).message }, 'unreadable cleaner checkpoint; every compacted log there is treated as dirty');
        offsets = new Map();
      }
      this.byDir.set(logDir, offsets);
    }
    return offsets;
  }
}
