/**
 * KafkaConnection against a real broker (version negotiation, pipelining) and against small
 * scripted peers for what a healthy broker never does (KIP-511 fallback, silence, hang-ups).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { type BrokerHandle, startBroker } from '../../src/broker/broker.js';
import { createTopics } from '../../src/client/admin.js';
import { FETCH, LIST_OFFSETS, METADATA, PRODUCE, type ClientApi } from '../../src/client/client-api.js';
import { BrokerConnectionError, UnsupportedApiError } from '../../src/client/client-errors.js';
import { KafkaConnection } from '../../src/client/kafka-connection.js';
import { fetchMetadata } from '../../src/client/metadata.js';
import {
  API_BY_KEY, ApiVersionsResponse, RequestHeader, defaultApiVersionsResponse, defaultMetadataResponse, MetadataResponse,
} from '../../src/protocol/generated/index.js';
import { Reader, Writer } from '../../src/protocol/primitives/index.js';

type After = { after(fn: () => Promise<void> | void): void };

async function withBroker(t: After): Promise<BrokerHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-client-'));
  const broker = await startBroker({ port: 0, dataDir, logger: pino({ level: process.env.SAMSA_TEST_LOG ?? 'silent' }) });
  t.after(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return broker;
}

interface ScriptedRequest {
  readonly header: RequestHeader;
  readonly socket: Socket;
}

/** A peer that hands each request frame's header to `onRequest`, which may answer with `reply`. */
async function scriptedPeer(t: After, onRequest: (request: ScriptedRequest) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        // Header v1 and v2 agree up to the client id, which is all a scripted peer reads.
        onRequest({ header: RequestHeader.read(new Reader(frame), 1), socket });
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as { port: number }).port;
}

/** Writes a response frame: header v0 (correlation id) and `body`. */
function reply(socket: Socket, correlationId: number, body: (w: Writer) => void): void {
  const w = new Writer();
  w.writeInt32(correlationId);
  body(w);
  const payload = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  socket.write(Buffer.concat([size, payload]));
}

function answerApiVersions(request: ScriptedRequest, apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[]): void {
  reply(request.socket, request.header.correlationId, (w) => ApiVersionsResponse.write(w, { ...defaultApiVersionsResponse(), apiKeys }, request.header.requestApiVersion));
}

describe('KafkaConnection', () => {
  test('negotiates the highest version both sides serve', async (t) => {
    const broker = await withBroker(t);
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: broker.port });
    t.after(() => connection.close());
    const served = new Map(broker.services.apiVersions().map((v) => [v.apiKey, v]));
    for (const api of [PRODUCE, FETCH, LIST_OFFSETS, METADATA] as ClientApi<unknown, unknown>[]) {
      assert.equal(connection.versionFor(api), Math.min(served.get(api.spec.apiKey)!.maxVersion, api.maxVersion), api.spec.name);
    }
    const notServed = [...API_BY_KEY.values()].find((a) => !served.has(a.apiKey) && a.highestStableVersion >= 0)!;
    const api = { spec: notServed, request: notServed.request, response: notServed.response, minVersion: 0, maxVersion: notServed.highestStableVersion };
    assert.equal(connection.supports(api), false);
    assert.throws(() => connection.versionFor(api), (err: unknown) => err instanceof UnsupportedApiError && err.message.includes(notServed.name));
  });

  test('pipelines requests and matches each response to its request', async (t) => {
    const broker = await withBroker(t);
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: broker.port });
    t.after(() => connection.close());
    await createTopics(connection, [{ name: 'p', numPartitions: 3 }]);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => i % 2 === 0
      ? fetchMetadata(connection, ['p']).then((m) => `partitions:${m.topics.get('p')!.partitions.length}`)
      : fetchMetadata(connection, null).then((m) => `topics:${m.topics.size}`)));
    assert.deepEqual(answers, Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'partitions:3' : 'topics:1')));
  });

  test('falls back to the ApiVersions version a broker lists when it refuses the newest (KIP-511)', async (t) => {
    const asked: number[] = [];
    const port = await scriptedPeer(t, (request) => {
      if (request.header.requestApiKey !== 18) return;
      asked.push(request.header.requestApiVersion);
      if (request.header.requestApiVersion > 2) {
        reply(request.socket, request.header.correlationId, (w) => ApiVersionsResponse.write(w, {
          ...defaultApiVersionsResponse(), errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }],
        }, 0));
      } else {
        answerApiVersions(request, [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 0, maxVersion: 9 }]);
      }
    });
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port });
    t.after(() => connection.close());
    assert.deepEqual(asked, [4, 2]);
    assert.equal(connection.versionFor(METADATA), 9);
  });

  test('a request without an answer fails after its timeout, and so does the connection', async (t) => {
    const port = await scriptedPeer(t, (request) => {
      if (request.header.requestApiKey === 18) answerApiVersions(request, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }]);
    });
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port, requestTimeoutMs: 150 });
    t.after(() => connection.close());
    await assert.rejects(fetchMetadata(connection, null), (err: unknown) => err instanceof BrokerConnectionError && err.code === 'ETIMEDOUT' && /did not answer Metadata within 150 ms/.test(err.message));
    await assert.rejects(fetchMetadata(connection, null), BrokerConnectionError);
  });

  test('a broker that hangs up fails the requests waiting on it', async (t) => {
    const port = await scriptedPeer(t, (request) => {
      if (request.header.requestApiKey === 18) answerApiVersions(request, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }]);
      else request.socket.destroy();
    });
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port });
    t.after(() => connection.close());
    await assert.rejects(fetchMetadata(connection, null), (err: unknown) => err instanceof BrokerConnectionError && !err.isConnectFailure && /closed the connection|reset the connection/.test(err.message));
  });

  test('an answer nobody asked for closes the connection', async (t) => {
    const port = await scriptedPeer(t, (request) => {
      if (request.header.requestApiKey === 18) answerApiVersions(request, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }]);
      else reply(request.socket, request.header.correlationId + 1000, (w) => MetadataResponse.write(w, defaultMetadataResponse(), 0));
    });
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port });
    t.after(() => connection.close());
    await assert.rejects(fetchMetadata(connection, null), /which no request is waiting for/);
  });

  test('nothing listening is a connect failure naming the address', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    await assert.rejects(KafkaConnection.connect({ host: '127.0.0.1', port }), (err: unknown) => err instanceof BrokerConnectionError
      && err.isConnectFailure && err.code === 'ECONNREFUSED' && err.message === `no broker at 127.0.0.1:${port}: connection refused`);
  });
});
