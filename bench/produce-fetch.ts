/**
 * Produce and fetch through real clients: Samsa (`samsa start --port 0`, a child process writing
 * every record to its log) beside librdkafka's in-memory mock cluster (which keeps only the last
 * 5 MiB of a partition and never touches a disk), driven by the same client in the same run.
 *
 * - produce: 1 KiB records to one partition, batched (linger.ms=5, batch.size 1 MiB), acks=1 and
 *   acks=all, without and with lz4; rdkafka_performance (librdkafka) against both brokers, rounds
 *   alternating, and @platformatic/kafka against Samsa (it cannot talk to the mock; see
 *   platformatic-client.ts). The codec each broker actually stored is read back from a stored
 *   batch header (the batch holding the partition's middle offset): librdkafka only compresses with lz4 for brokers it believes are 0.9+,
 *   which it infers from FindCoordinator being advertised, and Samsa does not serve it yet.
 * - consume: Samsa's whole log of the first produce scenario; and, to compare with the mock,
 *   the mock's retained window (`-o beginning -e`) next to the same number of Samsa's last records,
 *   both with fetch.wait.max.ms=1 (see consumeRows).
 * - latency at ~50 MB/s (acks=1, linger.ms=0): rdkafka_performance -l (ack and end-to-end
 *   percentiles), as 1 KiB records (its pacing loop then spins a core) and as 50 KiB records at
 *   1,000/s (it sleeps between records); the mock can neither wake a waiting fetch nor keep more
 *   than ~0.1 s of data at this rate, so it gets fetch.wait.max.ms=1. Then @platformatic/kafka
 *   paced from this process with a long-polling consumer.
 * - the broker: time from spawn to its address log line and to the first ApiVersions + Metadata
 *   answered (fresh data dirs, and a restart on this run's data); VmRSS idle and peak under load.
 *
 * Before each Samsa produce round the page cache is pre-faulted (as bench/storage.ts does): on a
 * VM that backs guest memory lazily every first-touched page is a host fault, which caps plain
 * writes of fresh pages far below what the code costs.
 *
 * Run: `npm run build && node dist/bench/produce-fetch.js` (SAMSA_BENCH_ROUNDS, default 3;
 * SAMSA_BENCH_CPU_PROF=DIR runs the broker with --cpu-prof into DIR; SAMSA_BENCH_ONLY=latency
 * runs the latency part alone). Builds rdkafka_performance
 * and the mock cluster into /tmp on first use. Temp dirs are removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { askMetadata, createTopic, deleteTopic, storedBatch, type StoredBatch } from './broker-admin.js';
import {
  buildTools, killStartedChildren, librdkafkaVersion, readRssKiB, RssSampler, runTool, startMockCluster, startSamsa, startTool, type BenchTools, type MockCluster, type SamsaProcess,
} from './broker-processes.js';
import { commit, environment, machine } from './measure.js';
import { directoryBytes, prefaultPageCache } from './page-cache.js';
import { platformaticConsume, platformaticLatency, platformaticProduce, type PlatformaticCodec } from './platformatic-client.js';
import {
  consumeArgs, parseConsumed, parseProduced, produceArgs, readLatencyFile, summarizeLatencies, RECORD_BYTES, type LatencySummary, type Throughput,
} from './rdkafka-performance.js';

const ROUNDS = Math.max(1, Number(process.env['SAMSA_BENCH_ROUNDS'] ?? 3));
const CPU_PROF_DIR = process.env['SAMSA_BENCH_CPU_PROF'];
/** SAMSA_BENCH_ONLY=latency skips the produce and consume runs. */
const LATENCY_ONLY = process.env['SAMSA_BENCH_ONLY'] === 'latency';
const PRODUCE_RECORDS = 500_000;
const PLATFORMATIC_RECORDS = 200_000;
const PLATFORMATIC_ROUNDS = 2;
const WINDOW_ROUNDS = 5;
const STARTUP_ROUNDS = 3;
const LINGER_MS = 5;
const BATCH_BYTES = 1 << 20;
const LATENCY_MB_PER_SEC = 50;

/** Records of one size at one pace, for the latency runs. */
interface LatencyLoad {
  readonly recordBytes: number;
  readonly ratePerSec: number;
  readonly records: number;
}

/**
 * 50 MB/s as 1 KiB records: rdkafka_performance's pacing loop then spins a core, which on a small
 * machine sets the clients' own floor. And as 50 KiB records at 1,000/s, the fastest pace at which
 * it sleeps between records instead.
 */
const SMALL_RECORDS: LatencyLoad = { recordBytes: RECORD_BYTES, ratePerSec: Math.round((LATENCY_MB_PER_SEC * 1e6) / RECORD_BYTES), records: 200_000 };
const LARGE_RECORDS: LatencyLoad = { recordBytes: 50 * RECORD_BYTES, ratePerSec: 1_000, records: 10_000 };
const loadLabel = (l: LatencyLoad): string => `${l.recordBytes / RECORD_BYTES} KiB × ${l.ratePerSec.toLocaleString('en-US')}/s`;
const TOOL_TIMEOUT_MS = 120_000;

interface ProduceScenario {
  readonly acks: number;
  readonly codec: PlatformaticCodec;
  readonly slug: string;
}

const SCENARIOS: readonly ProduceScenario[] = [
  { acks: 1, codec: 'none', slug: 'a1-none' },
  { acks: -1, codec: 'none', slug: 'aall-none' },
  { acks: 1, codec: 'lz4', slug: 'a1-lz4' },
  { acks: -1, codec: 'lz4', slug: 'aall-lz4' },
];

const ackLabel = (acks: number): string => (acks === -1 ? 'all' : String(acks));
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;
const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '—');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—');
const batchText = (b: StoredBatch | undefined): string => (b ? `${b.codec}, ${b.recordCount} rec / ${(b.sizeInBytes / 1024).toFixed(0)} KiB` : '—');

/** The round with the median MB/s, and the rounds' range of MB/s. */
function median(runs: readonly Throughput[]): Throughput & { readonly range: string } {
  const sorted = [...runs].sort((a, b) => a.mbPerSec - b.mbPerSec);
  return { ...sorted[Math.floor(sorted.length / 2)]!, range: `${f0(sorted[0]!.mbPerSec)}–${f0(sorted[sorted.length - 1]!.mbPerSec)}` };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface BrokerFigures {
  readonly rss: Map<string, number>;
}

interface Context {
  readonly tools: BenchTools;
  readonly dataRoot: string;
  readonly mock: MockCluster;
  readonly samsa: SamsaProcess;
  readonly figures: BrokerFigures;
}

/** Runs `phase` while sampling the broker's RSS; keeps the peak under `label`. */
async function sampled<T>(ctx: Context, label: string, phase: () => Promise<T>): Promise<T> {
  const sampler = new RssSampler(ctx.samsa.pid).start();
  try {
    return await phase();
  } finally {
    ctx.figures.rss.set(label, Math.max(ctx.figures.rss.get(label) ?? 0, sampler.stop()));
  }
}

async function rdkafkaProduce(ctx: Context, bootstrap: string, topic: string, s: ProduceScenario, records = PRODUCE_RECORDS): Promise<Throughput> {
  const args = produceArgs({ bootstrap, topic, records, acks: s.acks, codec: s.codec, lingerMs: LINGER_MS, batchBytes: BATCH_BYTES });
  return parseProduced((await runTool(ctx.tools.rdkafkaPerformance, args, TOOL_TIMEOUT_MS)).stdout, records);
}

async function rdkafkaConsume(ctx: Context, bootstrap: string, topic: string, from: 'beginning' | { last: number }, records?: number, fetchWaitMaxMs?: number): Promise<Throughput> {
  return parseConsumed((await runTool(ctx.tools.rdkafkaPerformance, consumeArgs({ bootstrap, topic, from, records, fetchWaitMaxMs }), TOOL_TIMEOUT_MS)).stdout);
}

interface ProduceRow {
  readonly client: string;
  readonly scenario: ProduceScenario;
  readonly mock?: ReturnType<typeof median>;
  readonly samsa: ReturnType<typeof median>;
  readonly mockBatch?: StoredBatch;
  readonly samsaBatch?: StoredBatch;
}

/** rdkafka_performance, rounds alternating between the brokers; Samsa gets a fresh topic a round. */
async function produceWithRdkafka(ctx: Context, s: ProduceScenario, keepLast: boolean): Promise<{ row: ProduceRow; kept: string | null }> {
  const mockRuns: Throughput[] = [];
  const samsaRuns: Throughput[] = [];
  let mockBatch: StoredBatch | undefined;
  let samsaBatch: StoredBatch | undefined;
  let kept: string | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    mockRuns.push(await rdkafkaProduce(ctx, ctx.mock.bootstrap, `rk-${s.slug}`, s));
    mockBatch ??= await storedBatch(ctx.mock.bootstrap, `rk-${s.slug}`);
    const topic = `rk-${s.slug}-${r}`;
    await createTopic(ctx.samsa.bootstrap, topic);
    prefaultPageCache(ctx.dataRoot, 1.5 * PRODUCE_RECORDS * RECORD_BYTES);
    samsaRuns.push(await sampled(ctx, 'peak while producing', () => rdkafkaProduce(ctx, ctx.samsa.bootstrap, topic, s)));
    samsaBatch ??= await storedBatch(ctx.samsa.bootstrap, topic);
    if (keepLast && r === ROUNDS - 1) kept = topic;
    else await deleteTopic(ctx.samsa.bootstrap, topic);
  }
  return { row: { client: 'rdkafka_performance', scenario: s, mock: median(mockRuns), samsa: median(samsaRuns), mockBatch, samsaBatch }, kept };
}

async function produceWithPlatformatic(ctx: Context, s: ProduceScenario, keepLast: boolean): Promise<{ row: ProduceRow; kept: string | null }> {
  const runs: Throughput[] = [];
  let batch: StoredBatch | undefined;
  let kept: string | null = null;
  for (let r = 0; r < PLATFORMATIC_ROUNDS; r++) {
    const topic = `pl-${s.slug}-${r}`;
    await createTopic(ctx.samsa.bootstrap, topic);
    prefaultPageCache(ctx.dataRoot, 1.5 * PLATFORMATIC_RECORDS * RECORD_BYTES);
    runs.push(await sampled(ctx, 'peak while producing', () => platformaticProduce(ctx.samsa.bootstrap, topic, PLATFORMATIC_RECORDS, s.acks, s.codec)));
    batch ??= await storedBatch(ctx.samsa.bootstrap, topic);
    if (keepLast && r === PLATFORMATIC_ROUNDS - 1) kept = topic;
    else await deleteTopic(ctx.samsa.bootstrap, topic);
  }
  return { row: { client: '@platformatic/kafka', scenario: s, samsa: median(runs), samsaBatch: batch }, kept };
}

interface ConsumeRow {
  readonly label: string;
  readonly mock?: Throughput;
  readonly samsa: Throughput;
}

async function consumeRows(ctx: Context, rdkafkaTopic: string, platformaticTopic: string): Promise<ConsumeRow[]> {
  const whole: Throughput[] = [];
  for (let r = 0; r < ROUNDS; r++) whole.push(await sampled(ctx, 'peak while consuming', () => rdkafkaConsume(ctx, ctx.samsa.bootstrap, rdkafkaTopic, 'beginning', PRODUCE_RECORDS)));
  const mockWindow: Throughput[] = [];
  const samsaWindow: Throughput[] = [];
  for (let r = 0; r < WINDOW_ROUNDS; r++) {
    // fetch.wait.max.ms=1 on both: the mock holds a fetch that finds nothing for the whole wait, and
    // librdkafka asks once more at the end before it reports the end of the partition.
    const fromMock = await rdkafkaConsume(ctx, ctx.mock.bootstrap, `rk-${SCENARIOS[0]!.slug}`, 'beginning', undefined, 1);
    mockWindow.push(fromMock);
    samsaWindow.push(await sampled(ctx, 'peak while consuming', () => rdkafkaConsume(ctx, ctx.samsa.bootstrap, rdkafkaTopic, { last: fromMock.records }, undefined, 1)));
  }
  const platformatic: Throughput[] = [];
  for (let r = 0; r < PLATFORMATIC_ROUNDS; r++) platformatic.push(await sampled(ctx, 'peak while consuming', () => platformaticConsume(ctx.samsa.bootstrap, platformaticTopic, PLATFORMATIC_RECORDS)));
  const window = median(mockWindow);
  return [
    { label: `rdkafka_performance, whole log (${mb(PRODUCE_RECORDS * RECORD_BYTES)})`, samsa: median(whole) },
    { label: `rdkafka_performance, the mock's retained window (~${window.records} records, to the end), fetch.wait.max.ms=1`, mock: window, samsa: median(samsaWindow) },
    { label: `@platformatic/kafka Consumer.fetch, whole log (${mb(PLATFORMATIC_RECORDS * RECORD_BYTES)})`, samsa: median(platformatic) },
  ];
}

interface LatencyRow {
  readonly label: string;
  readonly load: string;
  readonly mbPerSec: number;
  readonly ack: LatencySummary;
  readonly endToEnd: LatencySummary;
  readonly note?: string;
}

/** rdkafka_performance -l: a consumer tailing a fresh topic, then a paced producer. */
async function rdkafkaLatency(ctx: Context, bootstrap: string, topic: string, load: LatencyLoad, fetchWaitMaxMs: number, label: string): Promise<LatencyRow> {
  const ackFile = join(ctx.dataRoot, `${topic}-ack.txt`);
  const e2eFile = join(ctx.dataRoot, `${topic}-e2e.txt`);
  const consumer = startTool(ctx.tools.rdkafkaPerformance, consumeArgs({ bootstrap, topic, from: 'beginning', records: load.records, fetchWaitMaxMs, latencyFile: e2eFile }), TOOL_TIMEOUT_MS);
  await sleep(1500);
  const args = produceArgs({
    bootstrap, topic, records: load.records, recordBytes: load.recordBytes, acks: 1, codec: 'none', lingerMs: 0, batchBytes: BATCH_BYTES, ratePerSec: load.ratePerSec, latencyFile: ackFile,
  });
  // Exit code 1 means "produced" (less what is still queued, statistics events included) differs
  // from "delivered"; parseProduced still insists that every record was delivered.
  const produced = parseProduced((await runTool(ctx.tools.rdkafkaPerformance, args, TOOL_TIMEOUT_MS, [0, 1])).stdout, load.records);
  const stopAt = setTimeout(() => consumer.interrupt(), 5_000);
  const consumed = await consumer.done;
  clearTimeout(stopAt);
  const received = parseConsumed(consumed.stdout).records;
  const note = received < load.records ? `consumer got ${received} of ${load.records} records` : undefined;
  return {
    label, load: loadLabel(load), mbPerSec: produced.mbPerSec, ack: summarizeLatencies(readLatencyFile(ackFile)), endToEnd: summarizeLatencies(readLatencyFile(e2eFile)), note,
  };
}

async function latencyRows(ctx: Context): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  for (const [slug, load] of [['s', SMALL_RECORDS], ['l', LARGE_RECORDS]] as const) {
    rows.push(await rdkafkaLatency(ctx, ctx.mock.bootstrap, `lat-${slug}-1`, load, 1, 'rdkafka_performance -l, mock, fetch.wait.max.ms=1'));
    for (const waitMs of [1, 500]) {
      const topic = `lat-${slug}-${waitMs}`;
      await createTopic(ctx.samsa.bootstrap, topic);
      prefaultPageCache(ctx.dataRoot, 1.5 * load.records * load.recordBytes);
      rows.push(await sampled(ctx, 'peak during the latency runs', () => rdkafkaLatency(ctx, ctx.samsa.bootstrap, topic, load, waitMs, `rdkafka_performance -l, Samsa, fetch.wait.max.ms=${waitMs}`)));
    }
  }
  await createTopic(ctx.samsa.bootstrap, 'lat-pl');
  const paced = await sampled(ctx, 'peak during the latency runs', () => platformaticLatency(ctx.samsa.bootstrap, 'lat-pl', LATENCY_MB_PER_SEC, 4_000));
  rows.push({ label: '@platformatic/kafka paced, Samsa, maxWaitTime=500', load: `1 KiB, paced to ${LATENCY_MB_PER_SEC} MB/s`, ...paced });
  return rows;
}

interface StartupFigures {
  readonly addressLoggedMs: number[];
  readonly servingMs: number[];
}

/** spawn → address logged → ApiVersions + Metadata answered, for a fresh broker in `dataDir`. */
async function startMeasured(dataDir: string, startup: StartupFigures, nodeFlags: readonly string[] = []): Promise<SamsaProcess> {
  const samsa = await startSamsa(dataDir, nodeFlags);
  await askMetadata(samsa.bootstrap);
  startup.servingMs.push(performance.now() - samsa.spawnedAt);
  startup.addressLoggedMs.push(samsa.addressLoggedMs);
  return samsa;
}

const medianOf = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function printProduce(rows: readonly ProduceRow[]): void {
  console.log(`\nProduce: 1 KiB records to one partition, linger.ms=${LINGER_MS}, batch.size=1 MiB; median of ${ROUNDS} rounds (rdkafka_performance, ${mb(PRODUCE_RECORDS * RECORD_BYTES)} a round) or ${PLATFORMATIC_ROUNDS} (@platformatic/kafka, ${mb(PLATFORMATIC_RECORDS * RECORD_BYTES)}); MB = 10^6 bytes of values`);
  console.log('| client | acks | codec asked | mock MB/s | mock records/s | Samsa MB/s | Samsa records/s | Samsa / mock | rounds: mock, Samsa MB/s | stored by mock | stored by Samsa |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) {
    const ratio = r.mock ? `${(r.samsa.mbPerSec / r.mock.mbPerSec).toFixed(2)}×` : '—';
    console.log(`| ${r.client} | ${ackLabel(r.scenario.acks)} | ${r.scenario.codec} | ${f0(r.mock?.mbPerSec ?? NaN)} | ${f0(r.mock?.recordsPerSec ?? NaN)} | ${f0(r.samsa.mbPerSec)} | ${f0(r.samsa.recordsPerSec)} | ${ratio} | ${r.mock?.range ?? '—'}, ${r.samsa.range} | ${batchText(r.mockBatch)} | ${batchText(r.samsaBatch)} |`);
  }
}

function printConsume(rows: readonly ConsumeRow[]): void {
  console.log(`\nConsume (no group; partition 0 from a start offset): median of ${ROUNDS} rounds (whole log), ${WINDOW_ROUNDS} (window), ${PLATFORMATIC_ROUNDS} (@platformatic/kafka)`);
  console.log('| client, what | mock MB/s | mock records/s | Samsa MB/s | Samsa records/s | Samsa / mock |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ratio = r.mock ? `${(r.samsa.mbPerSec / r.mock.mbPerSec).toFixed(2)}×` : '—';
    console.log(`| ${r.label} | ${f0(r.mock?.mbPerSec ?? NaN)} | ${f0(r.mock?.recordsPerSec ?? NaN)} | ${f0(r.samsa.mbPerSec)} | ${f0(r.samsa.recordsPerSec)} | ${ratio} |`);
  }
}

function printLatency(rows: readonly LatencyRow[]): void {
  console.log(`\nLatency at ~${LATENCY_MB_PER_SEC} MB/s asked, acks=1, linger.ms=0 (first 10% dropped as warm-up); ms`);
  console.log('| client, broker | records | MB/s achieved | ack p50 | ack p99 | end-to-end p50 | end-to-end p99 | end-to-end p99.9 | note |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.load} | ${f0(r.mbPerSec)} | ${f2(r.ack.p50Ms)} | ${f2(r.ack.p99Ms)} | ${f2(r.endToEnd.p50Ms)} | ${f2(r.endToEnd.p99Ms)} | ${f2(r.endToEnd.p999Ms)} | ${r.note ?? ''} |`);
  }
}

function printBroker(startup: StartupFigures, restart: StartupFigures, rss: ReadonlyMap<string, number>, keptBytes: number): void {
  console.log('\nThe broker process');
  console.log('| figure | value |');
  console.log('|---|---:|');
  console.log(`| spawn → address logged, empty data dir (median of ${startup.addressLoggedMs.length}) | ${f0(medianOf(startup.addressLoggedMs))} ms |`);
  console.log(`| spawn → first ApiVersions + Metadata answered, empty data dir (median of ${startup.servingMs.length}) | ${f0(medianOf(startup.servingMs))} ms |`);
  console.log(`| spawn → ApiVersions + Metadata answered, restart after clean shutdown with ${mb(keptBytes)} stored | ${f0(medianOf(restart.servingMs))} ms |`);
  for (const [label, kib] of rss) console.log(`| VmRSS ${label} | ${mib(kib)} |`);
}

async function runAll(ctx: Context, startup: StartupFigures): Promise<void> {
  const produceRows: ProduceRow[] = [];
  let rdkafkaKept = '';
  let platformaticKept = '';
  for (const [i, s] of (LATENCY_ONLY ? [] : SCENARIOS).entries()) {
    const { row, kept } = await produceWithRdkafka(ctx, s, i === 0);
    produceRows.push(row);
    rdkafkaKept ||= kept ?? '';
  }
  for (const [i, s] of (LATENCY_ONLY ? [] : SCENARIOS).entries()) {
    const { row, kept } = await produceWithPlatformatic(ctx, s, i === 0);
    produceRows.push(row);
    platformaticKept ||= kept ?? '';
  }
  const consume = LATENCY_ONLY ? [] : await consumeRows(ctx, rdkafkaKept, platformaticKept);
  const latency = await latencyRows(ctx);
  await sleep(1000);
  ctx.figures.rss.set('idle after the load', readRssKiB(ctx.samsa.pid));
  await ctx.samsa.stop();
  const keptBytes = directoryBytes(join(ctx.dataRoot, 'samsa'));
  const restart: StartupFigures = { addressLoggedMs: [], servingMs: [] };
  const restarted = await startMeasured(join(ctx.dataRoot, 'samsa'), restart);
  await sleep(1000);
  ctx.figures.rss.set(`idle after a restart with ${mb(keptBytes)} stored`, readRssKiB(restarted.pid));
  await restarted.stop();

  printProduce(produceRows);
  printConsume(consume);
  printLatency(latency);
  printBroker(startup, restart, ctx.figures.rss, keptBytes);
  const ratios = produceRows.filter((r) => r.mock).map((r) => r.samsa.mbPerSec / r.mock!.mbPerSec);
  const latencyGoal = latency.filter((r) => r.label.includes('Samsa'));
  if (ratios.length > 0) console.log(`\nGoal: produce at ≥ 0.50× the mock cluster while persisting every record — Samsa / mock ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× (rdkafka_performance)`);
  console.log(`Goal: end-to-end p99 < 2 ms at ${LATENCY_MB_PER_SEC} MB/s — ${latencyGoal.map((r) => `${r.label}, ${r.load}: p99 ${f2(r.endToEnd.p99Ms)} ms at ${f0(r.mbPerSec)} MB/s`).join('; ')}`);
}

async function main(): Promise<void> {
  const tools = buildTools();
  const version = await librdkafkaVersion(tools);
  console.log(`produce-fetch bench, ${new Date().toISOString()}, ${environment()}, ${machine()}, commit ${commit()}, librdkafka ${version} (rdkafka_performance and the mock)`);
  const dataRoot = mkdtempSync(join(tmpdir(), 'samsa-bench-produce-fetch-'));
  let mock: MockCluster | null = null;
  let samsa: SamsaProcess | null = null;
  try {
    const startup: StartupFigures = { addressLoggedMs: [], servingMs: [] };
    for (let i = 0; i < STARTUP_ROUNDS; i++) await (await startMeasured(join(dataRoot, `startup-${i}`), startup)).stop();
    mock = await startMockCluster(tools.mockCluster, [...SCENARIOS.map((s) => `rk-${s.slug}`), 'lat-s-1', 'lat-l-1']);
    samsa = await startMeasured(join(dataRoot, 'samsa'), startup, CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []);
    await sleep(1000);
    const figures: BrokerFigures = { rss: new Map([['idle after start', readRssKiB(samsa.pid)]]) };
    await runAll({ tools, dataRoot, mock, samsa, figures }, startup);
  } finally {
    await samsa?.stop();
    await mock?.stop();
    killStartedChildren();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

process.once('SIGINT', () => {
  killStartedChildren();
  process.exit(130);
});
await main();
