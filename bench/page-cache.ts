/**
 * Page-cache pre-faulting for benchmarks that write: on a VM that backs guest memory lazily and
 * takes freed pages back (free page reporting), the first touch of every page is a host fault
 * costing more than the copy into it, which caps writes of fresh pages far below what the code
 * itself costs. Writing and deleting `bytes` of scratch file just before a measurement leaves
 * touched pages for its writes to land in (bench/storage.ts does the same). On bare metal this
 * only costs the time to write the scratch file.
 */
import { closeSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const CHUNK_BYTES = 1 << 20;

export function prefaultPageCache(dir: string, bytes: number): void {
  const path = join(dir, 'prefault.bin');
  const chunk = Buffer.alloc(CHUNK_BYTES, 1);
  const fd = openSync(path, 'w', 0o644);
  try {
    for (let written = 0; written < bytes; written += CHUNK_BYTES) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/** Bytes in the regular files under `dir`. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
