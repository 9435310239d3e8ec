/**
 * DescribeLogDirs (key 35), versions 1-4 (Kafka 4.0 removed v0, KIP-896). Per directory of
 * `log.dirs` (its absolute path): the partitions stored there with their size in bytes, offset
 * lag 0 (the high watermark never trails a leader's own log end) and isFutureKey false (no
 * replica moves between directories here). `topics` null means every partition; otherwise only
 * those named. An offline directory gets KAFKA_STORAGE_ERROR and no partitions.
 *
 * - v2: flexible encoding.
 * - v3+: a top-level error code (KIP-784).
 * - v4+: the directory's file system total and usable bytes (KIP-827), from statfs.
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type DescribeLogDirsRequest, type DescribeLogDirsResponse, type DescribeLogDirsResponseDescribeLogDirsResult,
  type DescribeLogDirsResponseDescribeLogDirsTopic, defaultDescribeLogDirsResponse, defaultDescribeLogDirsResponseDescribeLogDirsResult,
} from '../../protocol/generated/index.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { type RequestContext, defineHandler } from '../api-handler.js';

function wantedFilter(request: DescribeLogDirsRequest): ((log: PartitionLog) => boolean) {
  if (request.topics === null) return () => true;
  const wanted = new Set(request.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}\0${p}`)));
  return (log) => wanted.has(`${log.topic}\0${log.partition}`);
}

function topicsOf(logs: readonly PartitionLog[]): DescribeLogDirsResponseDescribeLogDirsTopic[] {
  const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>();
  for (const log of logs) {
    let topic = byTopic.get(log.topic);
    if (!topic) byTopic.set(log.topic, topic = { name: log.topic, partitions: [] });
    topic.partitions.push({ partitionIndex: log.partition, partitionSize: log.sizeInBytes, offsetLag: 0, isFutureKey: false });
  }
  for (const topic of byTopic.values()) topic.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
  return [...byTopic.values()];
}

async function describeDir(ctx: RequestContext, logDir: string, logs: readonly PartitionLog[]): Promise<DescribeLogDirsResponseDescribeLogDirsResult> {
  const result = { ...defaultDescribeLogDirsResponseDescribeLogDirsResult(), logDir };
  if (ctx.broker.logManager.offlineDirs.has(logDir)) return { ...result, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  try {
    const fs = await statfs(logDir);
    return { ...result, topics: topicsOf(logs), totalBytes: fs.blocks * fs.bsize, usableBytes: fs.bavail * fs.bsize };
  } catch (err) {
    ctx.broker.logger.warn({ err, logDir, correlationId: ctx.correlationId }, 'cannot describe log directory');
    return { ...result, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  }
}

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  minVersion: 1,
  maxVersion: 4,
  async handle(ctx, request) {
    const logManager = ctx.broker.logManager;
    const isWanted = wantedFilter(request);
    const byDir = new Map<string, PartitionLog[]>(logManager.logDirs.map((d) => [d, []]));
    for (const log of logManager.allLogs()) {
      if (isWanted(log)) byDir.get(dirname(log.dir))?.push(log);
    }
    const results = await Promise.all([...byDir].map(([dir, logs]) => describeDir(ctx, dir, logs)));
    return { ...defaultDescribeLogDirsResponse(), results };
  },
});
