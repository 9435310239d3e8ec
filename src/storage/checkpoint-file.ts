/**
 * Checkpoint files in Kafka's text layout: a version line (0), a count line, then one entry per
 * line of space-separated fields. Used for `recovery-point-offset-checkpoint`,
 * `log-start-offset-checkpoint`, `replication-offset-checkpoint` (entries: topic partition offset)
 * and each partition's `leader-epoch-checkpoint` (entries: epoch startOffset).
 *
 * Writes are atomic: a temp file is written and fsynced, then renamed over the old one, and the
 * directory fsynced, so a crash leaves either the old or the new checkpoint, never half of one.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 0;

export class CheckpointFormatError extends Error {
  override readonly name = 'CheckpointFormatError';
}

export function writeFileAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDirectory(dirname(path));
}

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeCheckpoint(path: string, entries: readonly (readonly (string | number)[])[]): void {
  const lines = [String(VERSION), String(entries.length), ...entries.map((e) => e.join(' '))];
  writeFileAtomically(path, `${lines.join('\n')}\n`);
}

/** Entries of a checkpoint file, or [] when the file does not exist. */
export function readCheckpoint(path: string, fieldsPerEntry: number): string[][] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  if (lines[0] !== String(VERSION)) throw new CheckpointFormatError(`${path}: unknown checkpoint version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) {
    throw new CheckpointFormatError(`${path}: says ${lines[1]} entries but holds ${lines.length - 2}`);
  }
  return lines.slice(2).map((line) => {
    const fields = line.split(' ');
    if (fields.length !== fieldsPerEntry) throw new CheckpointFormatError(`${path}: malformed entry ${JSON.stringify(line)}`);
    return fields;
  });
}

/** topic-partition → offset checkpoints (recovery point, log start offset, high watermark). */
export function readOffsetCheckpoint(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [topic, partition, offset] of readCheckpoint(path, 3)) out.set(`${topic}-${partition}`, Number(offset));
  return out;
}
