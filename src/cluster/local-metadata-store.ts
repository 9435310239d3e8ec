/**
 * LocalMetadataStore: the single node's metadata in one JSON file (`cluster-metadata.json` in the
 * first log directory), rewritten whole and atomically (temp file, fsync, rename, fsync of the
 * directory) on every change. Topic counts of a single node keep the file small enough for that.
 * Besides topics it holds `nextProducerId`, the first producer id no broker has reserved yet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { randomUuid } from '../protocol/primitives/index.js';
import { writeFileAtomically } from '../storage/checkpoint-file.js';
import type { ClusterMetadataImage, MetadataStore, ProducerIdBlock, TopicRecord } from './metadata-store.js';

export const METADATA_FILE = 'cluster-metadata.json';

interface StoredImage {
  readonly version: 1;
  readonly clusterId: string;
  readonly topics: TopicRecord[];
  /** First producer id not yet reserved; absent in files written before producer ids existed (0). */
  readonly nextProducerId?: number;
}

export class LocalMetadataStore implements MetadataStore {
  private image: StoredImage | null = null;
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, METADATA_FILE);
  }

  async load(): Promise<ClusterMetadataImage> {
    if (existsSync(this.path)) {
      let parsed: StoredImage;
      try {
        parsed = JSON.parse(readFileSync(this.path, 'utf8')) as StoredImage;
      } catch (err) {
        throw new Error(`cannot read cluster metadata ${this.path}: ${(err as Error).message}; restore it from a backup or move the data directory aside`, { cause: err });
      }
      const next = parsed.nextProducerId;
      if (parsed.version !== 1 || typeof parsed.clusterId !== 'string' || !Array.isArray(parsed.topics) ||
        (next !== undefined && !(Number.isSafeInteger(next) && next >= 0))) {
        throw new Error(`cluster metadata ${this.path} is not in a format this version understands`);
      }
      this.image = parsed;
    } else {
      this.image = { version: 1, clusterId: randomUuid(randomBytes), topics: [] };
      this.persist(this.image);
    }
    return this.image;
  }

  private current(): StoredImage {
    if (!this.image) throw new Error('metadata store used before load()');
    return this.image;
  }

  private persist(image: StoredImage): void {
    writeFileAtomically(this.path, `${JSON.stringify(image, null, 1)}\n`);
    this.image = image;
  }

  async putTopics(topics: readonly TopicRecord[]): Promise<void> {
    const image = this.current();
    const byName = new Map(image.topics.map((t) => [t.name, t]));
    for (const t of topics) byName.set(t.name, t);
    this.persist({ ...image, topics: [...byName.values()] });
  }

  /** The new next id is written (atomically, fsynced) before the block is handed out. */
  async allocateProducerIds(count: number): Promise<ProducerIdBlock> {
    if (!Number.isSafeInteger(count) || count <= 0) throw new Error(`cannot reserve ${count} producer ids`);
    const image = this.current();
    const firstProducerId = image.nextProducerId ?? 0;
    this.persist({ ...image, nextProducerId: firstProducerId + count });
    return { firstProducerId, size: count };
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const image = this.current();
    const doomed = new Set(names);
    this.persist({ ...image, topics: image.topics.filter((t) => !doomed.has(t.name)) });
  }

  async close(): Promise<void> {
    this.image = null;
  }
}
