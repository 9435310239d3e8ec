/**
 * A child process for the crash-recovery test: opens a LogManager on argv[2] and appends batches
 * to a few partitions until it is killed, printing each acknowledged append on stdout as soon as
 * `append` returns, before the next append starts:
 *
 *   ready
 *   ack <partition> <firstOffset> <lastOffset> <epoch> <generation> <sequence>
 *
 * Record values are `g<generation>-s<sequence>-<i>`, so the test knows what every acknowledged
 * offset must hold. Between appends it lets background flushes run, rolls segments (small
 * segment.bytes), bumps the leader epoch now and then and writes checkpoints, so a kill can land
 * anywhere in those. It stops by itself after `maxMs` or when its stdin closes (the test is gone).
 *
 * Usage: node append-child.js <dir> <generation> <firstEpoch> <epochEvery> [maxMs]
 * (`epochEvery` 1 makes every append start a new leader epoch, so every append also writes the
 * leader-epoch-checkpoint and a kill often lands between the batch and its epoch.)
 */
import { writeSync } from 'node:fs';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { encodeRecordBatch } from '../../src/protocol/record-batch/index.js';
import { DEFAULT_LOG_CONFIG, logConfigWith } from '../../src/storage/log-config.js';
import { LogManager } from '../../src/storage/log-manager.js';

export const CHILD_TOPIC = 'crash';
export const CHILD_PARTITIONS = 3;
export const CHILD_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAg';

/** The value of record `i` of the append with this generation and sequence number. */
export function childValue(generation: number, sequence: number, i: number): string {
  return `g${generation}-s${sequence}-${i}`;
}

function print(line: string): void {
  // Synchronous, so a line is out before the next append begins.
  writeSync(1, `${line}\n`);
}

async function main(): Promise<void> {
  const [dir, generationText, epochText, epochEveryText, maxMsText] = process.argv.slice(2);
  if (dir === undefined || generationText === undefined || epochText === undefined || epochEveryText === undefined) {
    throw new Error('usage: append-child.js <dir> <generation> <firstEpoch> <epochEvery> [maxMs]');
  }
  const generation = Number(generationText);
  let epoch = Number(epochText);
  const epochEvery = Number(epochEveryText);
  const deadline = Date.now() + Number(maxMsText ?? 20_000);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();

  const config = logConfigWith(DEFAULT_LOG_CONFIG, {
    'segment.bytes': '3000', 'index.interval.bytes': '200', 'flush.messages': '40', 'retention.ms': '-1',
  });
  const manager = LogManager.open({ logDirs: [dir], defaultConfig: config, maxOpenFiles: 4 });
  const logs = Array.from({ length: CHILD_PARTITIONS }, (_, p) => manager.getLog(CHILD_TOPIC, p) ?? manager.createLog(CHILD_TOPIC, p, CHILD_TOPIC_ID));
  print('ready');
  for (let sequence = 0; Date.now() < deadline; sequence++) {
    const partition = sequence % CHILD_PARTITIONS;
    const log = logs[partition]!;
    const count = 1 + (sequence * 7) % 13;
    const batch = encodeRecordBatch({
      records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(childValue(generation, sequence, i)), timestamp: Date.now() })),
      compression: (sequence % 5) as 0 | 1 | 2 | 3 | 4,
    });
    if (sequence % epochEvery === epochEvery - 1) epoch++;
    const info = log.append(batch, epoch);
    log.updateHighWatermark(log.logEndOffset);
    print(`ack ${partition} ${info.firstOffset} ${info.lastOffset} ${epoch} ${generation} ${sequence}`);
    if (sequence % 23 === 22) manager.checkpoint();
    if (sequence % 4 === 3) await yieldToEvents();
  }
  await manager.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
