/**
 * Encode/decode throughput of Produce requests and Fetch responses carrying 1 MiB of records, next
 * to a baseline of copying the same 1 MiB once (what any codec that copied records would pay at
 * least). Run: `npm run build && node dist/bench/protocol-codecs.js`.
 */
import { randomBytes } from 'node:crypto';
import {
  FetchResponse, ProduceRequest, defaultFetchResponse, defaultFetchResponseFetchableTopicResponse,
  defaultFetchResponsePartitionData,
} from '../src/protocol/generated/index.js';
import { Writer } from '../src/protocol/primitives/index.js';
import { environment, measure, printTable } from './measure.js';

const MIB = 1024 * 1024;

function produceRequest(partitions: number, bytesEach: number): ProduceRequest {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{
      name: 'bench-topic',
      partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: randomBytes(bytesEach) })),
    }],
  };
}

function fetchResponse(partitions: number, bytesEach: number): FetchResponse {
  return {
    ...defaultFetchResponse(),
    responses: [{
      ...defaultFetchResponseFetchableTopicResponse(),
      topic: 'bench-topic',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
        ...defaultFetchResponsePartitionData(),
        partitionIndex,
        highWatermark: 1_000_000,
        lastStableOffset: 1_000_000,
        logStartOffset: 0,
        records: randomBytes(bytesEach),
      })),
    }],
  };
}

function main(): void {
  console.log(`protocol codecs, ${environment()}`);
  const source = randomBytes(MIB);
  const target = Buffer.allocUnsafe(MIB);
  const baseline = measure('baseline: copy 1 MiB once', MIB, () => source.copy(target));

  const rows = [baseline];
  for (const [partitions, version] of [[1, 9], [16, 9], [1, 3]] as const) {
    const each = MIB / partitions;
    const request = produceRequest(partitions, each);
    const encoded = ProduceRequest.encode(request, version);
    rows.push(measure(`Produce v${version} request encode (${partitions} × ${each / 1024} KiB, chunks)`, MIB, () => {
      const w = new Writer();
      ProduceRequest.write(w, request, version);
      return w.toChunks();
    }));
    rows.push(measure(`Produce v${version} request decode (${partitions} × ${each / 1024} KiB)`, MIB, () => ProduceRequest.decode(encoded, version)));
  }
  for (const [partitions, version] of [[1, 16], [16, 16], [1, 4]] as const) {
    const each = MIB / partitions;
    const response = fetchResponse(partitions, each);
    const encoded = FetchResponse.encode(response, version);
    rows.push(measure(`Fetch v${version} response encode (${partitions} × ${each / 1024} KiB, chunks)`, MIB, () => {
      const w = new Writer();
      FetchResponse.write(w, response, version);
      return w.toChunks();
    }));
    rows.push(measure(`Fetch v${version} response decode (${partitions} × ${each / 1024} KiB)`, MIB, () => FetchResponse.decode(encoded, version)));
  }
  printTable('1 MiB of records per message; records stay views (encode returns chunks, decode returns subarrays)', rows, baseline);
}

main();
