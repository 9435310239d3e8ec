/**
 * CoordinatorContext: what the GroupCoordinator facade lends the modules that serve its offset and
 * group-administration APIs (offset-requests.ts, group-admin.ts), so they work on the one shared
 * state without each holding a reference to the facade.
 */
import type { ClassicGroupManager } from './classic-group-manager.js';
import type { CoordinatorLogger } from './classic-rebalancer.js';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { Group, GroupCoordinatorConfig, TopicMetadataSource } from './group.js';
import type { OffsetManager } from './offset-manager.js';

export interface CoordinatorContext {
  readonly config: GroupCoordinatorConfig;
  readonly topics: TopicMetadataSource;
  /** Every group this coordinator holds, of both types, by id. */
  readonly groups: Map<string, Group>;
  readonly offsets: OffsetManager;
  readonly classic: ClassicGroupManager;
  readonly logger: CoordinatorLogger;
  now(): number;
  partitionFor(groupId: string): number;
  /**
   * NONE when this coordinator serves the group now; else the code to answer: NOT_COORDINATOR (its
   * partition is not hosted here), COORDINATOR_LOAD_IN_PROGRESS (still loading) or
   * COORDINATOR_NOT_AVAILABLE (shut down).
   */
  coordinatorError(groupId: string): number;
  /** Partitions of `__consumer_offsets` loaded here. */
  loadedPartitions(): number[];
  isLoading(): boolean;
  /** Appends the records to the partition as one batch, then applies them to memory (as a load would replay them). */
  writeAndApply(partition: number, records: readonly CoordinatorRecord[]): Promise<void>;
}
