/**
 * Child process for the metadata-store kill test: creates and deletes topics through a
 * LocalMetadataStore in a loop, printing "committed N" after each change returns, until killed.
 * Topic `t<N>` exists exactly when change N was a create not yet undone by a later delete.
 */
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: metadata-store-child DIR');
  const store = new LocalMetadataStore(dir);
  await store.load();
  for (let n = 1; n < 1_000_000; n++) {
    if (n % 3 === 0) {
      await store.deleteTopics([`t${n - 1}`]);
    } else {
      await store.putTopics([{ name: `t${n}`, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', configs: {}, partitions: [{ partition: 0, leader: 0, leaderEpoch: 0, replicas: [0], isr: [0], partitionEpoch: 0 }] }]);
    }
    process.stdout.write(`committed ${n}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
