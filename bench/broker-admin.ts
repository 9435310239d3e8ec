/**
 * What the real-client benchmarks ask a broker through Samsa's own client (src/client), which
 * talks to Samsa and to the mock cluster alike: ApiVersions + Metadata (is it serving?), topic
 * creation and deletion on Samsa, and the header of the first stored batch of a partition — the
 * codec a client's records were actually stored with, read with src/protocol/record-batch (by a
 * raw Fetch v11 on its own socket, which both brokers understand).
 */
import { connect } from 'node:net';
import { createTopics, deleteTopics } from '../src/client/admin.js';
import { type ClientApi, FETCH } from '../src/client/client-api.js';
import { KafkaConnection } from '../src/client/kafka-connection.js';
import { fetchMetadata } from '../src/client/metadata.js';
import { ErrorCode } from '../src/protocol/error-codes.js';
import { type FetchResponse, RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion } from '../src/protocol/generated/index.js';
import { Reader, Writer, ZERO_UUID } from '../src/protocol/primitives/index.js';
import { RecordBatchHeader } from '../src/protocol/record-batch/index.js';

const RAW_FETCH_VERSION = 11;
const RAW_TIMEOUT_MS = 10_000;

export const CODEC_NAMES: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

async function withConnection<T>(bootstrap: string, use: (connection: KafkaConnection) => Promise<T>): Promise<T> {
  const at = bootstrap.lastIndexOf(':');
  const connection = await KafkaConnection.connect({ host: bootstrap.slice(0, at), port: Number(bootstrap.slice(at + 1)), clientId: 'samsa-bench', connectTimeoutMs: 5_000 });
  try {
    return await use(connection);
  } finally {
    connection.close();
  }
}

/** Connects (ApiVersions) and asks Metadata for every topic: resolves once the broker serves. */
export async function askMetadata(bootstrap: string): Promise<void> {
  await withConnection(bootstrap, (connection) => fetchMetadata(connection, null));
}

export async function createTopic(bootstrap: string, name: string): Promise<void> {
  await withConnection(bootstrap, (connection) => createTopics(connection, [{ name, numPartitions: 1, replicationFactor: 1 }]));
}

export async function deleteTopic(bootstrap: string, name: string): Promise<void> {
  await withConnection(bootstrap, (connection) => deleteTopics(connection, [name]));
}

export interface StoredBatch {
  readonly codec: string;
  readonly recordCount: number;
  readonly sizeInBytes: number;
}

/**
 * One request on a fresh socket, without ApiVersions first: the mock cluster answers a newer
 * ApiVersions than it knows in a form Samsa's client cannot parse, and Fetch v11 (topic names,
 * logStartOffset in every answer) is inside both brokers' ranges.
 */
function rawRequest<Req, Res>(bootstrap: string, api: ClientApi<Req, Res>, version: number, body: Req): Promise<Res> {
  const at = bootstrap.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: bootstrap.slice(0, at), port: Number(bootstrap.slice(at + 1)) });
    const timer = setTimeout(() => socket.destroy(new Error(`${api.spec.name} to ${bootstrap} got no answer in ${RAW_TIMEOUT_MS} ms`)), RAW_TIMEOUT_MS);
    const chunks: Buffer[] = [];
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
    socket.on('connect', () => {
      const w = new Writer();
      w.writeInt32(0);
      RequestHeader.write(w, { requestApiKey: api.spec.apiKey, requestApiVersion: version, correlationId: 1, clientId: 'samsa-bench' }, requestHeaderVersion(api.spec, version));
      api.request.write(w, body, version);
      const out = Buffer.concat(w.toChunks());
      out.writeInt32BE(out.length - 4, 0);
      socket.write(out);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const buffered = Buffer.concat(chunks);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        const r = new Reader(buffered.subarray(4, 4 + buffered.readInt32BE(0)));
        ResponseHeader.read(r, responseHeaderVersion(api.spec, version));
        resolve(api.response.read(r, version));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

function fetchBatchAt(bootstrap: string, topic: string, fetchOffset: number): Promise<FetchResponse> {
  return rawRequest(bootstrap, FETCH, RAW_FETCH_VERSION, {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs: 0, minBytes: 1, maxBytes: 1, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    // One byte asked: the first partition still gets one whole batch (KIP-74).
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1, replicaDirectoryId: ZERO_UUID }] }],
    forgottenTopicsData: [], rackId: '',
  });
}

/**
 * The header of the batch holding the middle offset the broker still has in partition 0 of
 * `topic` (a client's first batch of a run is often smaller than the rest).
 */
export async function storedBatch(bootstrap: string, topic: string): Promise<StoredBatch> {
  const probe = (await fetchBatchAt(bootstrap, topic, 0)).responses[0]?.partitions[0];
  if (!probe || (probe.errorCode !== ErrorCode.NONE && probe.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE)) {
    throw new Error(`fetch of ${topic} from ${bootstrap} returned ${probe ? `error ${probe.errorCode}` : 'no partition'}`);
  }
  // The mock cluster keeps only its last few MiB, so its log may no longer start at 0.
  const middle = Math.floor((Number(probe.logStartOffset) + Number(probe.highWatermark)) / 2);
  const data = (await fetchBatchAt(bootstrap, topic, middle)).responses[0]?.partitions[0];
  if (!data || data.errorCode !== ErrorCode.NONE || data.records === null || data.records.length === 0) {
    throw new Error(`fetch of ${topic} at ${middle} from ${bootstrap} returned ${data ? `error ${data.errorCode}` : 'no partition'}`);
  }
  const header = new RecordBatchHeader(data.records, 0);
  return { codec: CODEC_NAMES[header.compression] ?? `codec ${header.compression}`, recordCount: header.recordCount, sizeInBytes: header.sizeInBytes };
}
