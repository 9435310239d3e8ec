import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalMetadataStore, METADATA_FILE } from '../../../src/cluster/local-metadata-store.js';
import type { TopicRecord } from '../../../src/cluster/metadata-store.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '../../support/metadata-store-child.js');

function topic(name: string): TopicRecord {
  return { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', configs: { 'retention.ms': '1000' }, partitions: [{ partition: 0, leader: 0, leaderEpoch: 0, replicas: [0], isr: [0], partitionEpoch: 0 }] };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-meta-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The topics that exist after changes 1..n of the child's sequence. */
function expectedAfter(n: number): string[] {
  const names = new Set<string>();
  for (let i = 1; i <= n; i++) {
    if (i % 3 === 0) names.delete(`t${i - 1}`);
    else names.add(`t${i}`);
  }
  return [...names].sort();
}

test('the cluster id and topics survive a reopen', async (t) => {
  const dir = tempDir(t);
  const first = new LocalMetadataStore(dir);
  const image = await first.load();
  await first.putTopics([topic('a'), topic('b')]);
  await first.deleteTopics(['a']);
  const again = await new LocalMetadataStore(dir).load();
  assert.equal(again.clusterId, image.clusterId);
  assert.deepEqual(again.topics.map((x) => x.name), ['b']);
  assert.deepEqual(again.topics[0]!.configs, { 'retention.ms': '1000' });
});

test('a write interrupted before its rename leaves the previous state', async (t) => {
  const dir = tempDir(t);
  const store = new LocalMetadataStore(dir);
  await store.load();
  await store.putTopics([topic('kept')]);
  writeFileSync(join(dir, `${METADATA_FILE}.tmp`), '{"version":1,"clusterId":"x","topics":[{"na');
  const image = await new LocalMetadataStore(dir).load();
  assert.deepEqual(image.topics.map((x) => x.name), ['kept']);
});

test('a store killed at random moments always holds the last committed state or the one after it', async (t) => {
  const base = tempDir(t);
  for (let round = 0; round < 8; round++) {
    const dir = join(base, `round-${round}`);
    mkdirSync(dir);
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let buffered = '';
    let started: () => void = () => {};
    const firstCommit = new Promise<void>((resolve) => {
      started = resolve;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) committed = Number(line.split(' ')[1]);
      if (committed > 0) started();
    });
    // Kill at a random moment once the child is writing (its start-up time varies with load).
    await Promise.race([firstCommit, new Promise((resolve) => child.once('exit', resolve))]);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 200)));
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(child.signalCode, 'SIGKILL', 'the child was still running when killed');
    const names = (await new LocalMetadataStore(dir).load()).topics.map((x) => x.name).sort();
    const ok = [committed, committed + 1].some((n) => JSON.stringify(expectedAfter(n)) === JSON.stringify(names));
    assert.ok(committed > 0, 'the child committed something before the kill');
    assert.ok(ok, `after ${committed} committed changes the store holds ${names.length} topics, matching neither change ${committed} nor ${committed + 1}`);
  }
});
