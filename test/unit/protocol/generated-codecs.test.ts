import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError, Reader } from '../../../src/protocol/primitives/index.js';
import {
  FetchRequest, ProduceRequest, ApiVersionsRequest, API_BY_KEY, API_SPECS, MetadataRequest,
  defaultFetchRequest, requestHeaderVersion, responseHeaderVersion,
  RequestHeader, ResponseHeader,
} from '../../../src/protocol/generated/index.js';
import {
  MessageArbitraries, allMessages, codecOf, loadGeneratedModule, loadSpecSet, specsPresent, versionsOf,
} from '../../support/spec-arbitraries.js';

const RUNS_PER_VERSION = 20;

describe('generated codecs round-trip every message at every version', { skip: specsPresent ? false : 'the specs directory ../shared/kafka-protocol is absent' }, () => {
  if (!specsPresent) return;
  const specs = loadSpecSet();
  for (const { spec, file } of allMessages(specs)) {
    test(`${spec.name} decodes to what it encoded, versions ${spec.validVersions.min}-${spec.validVersions.max}`, async () => {
      const mod = await loadGeneratedModule(file);
      const codec = codecOf(mod, spec);
      const arbs = new MessageArbitraries(mod, spec);
      for (const version of versionsOf(spec)) {
        fc.assert(
          fc.property(arbs.messageArb(version), (value) => {
            const bytes = codec.encode(value, version);
            const r = new Reader(bytes);
            const decoded = codec.read(r, version);
            assert.deepStrictEqual(decoded, value);
            assert.equal(r.pos, bytes.length, 'decode consumes every encoded byte');
          }),
          { numRuns: RUNS_PER_VERSION },
        );
      }
    });
  }
});

describe('encoding follows Kafka rules for fields a version lacks', () => {
  test('a non-default value in a field the version lacks is refused unless the field is ignorable', () => {
    const value = { transactionalId: 'tx-1', acks: 1, timeoutMs: 1000, topicData: [] };
    assert.throws(() => ProduceRequest.encode(value, 2), ProtocolError);
    assert.doesNotThrow(() => ProduceRequest.encode(value, 3));
  });

  test('an ignorable field the version lacks is dropped and decodes as its default', () => {
    const value = { ...defaultFetchRequest(), maxBytes: 5, maxWaitMs: 100, minBytes: 1 };
    const decoded = FetchRequest.decode(FetchRequest.encode(value, 2), 2);
    assert.equal(decoded.maxBytes, 0x7fffffff);
    assert.equal(decoded.maxWaitMs, 100);
  });

  test('null in a field that is not nullable at that version is refused', () => {
    const value = { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    assert.throws(() => MetadataRequest.encode(value, 0), ProtocolError);
    assert.equal(MetadataRequest.decode(MetadataRequest.encode(value, 1), 1).topics, null);
  });

  test('a version outside the valid range is refused before any byte is read', () => {
    assert.throws(() => ApiVersionsRequest.decode(Buffer.alloc(0), 99), ProtocolError);
    assert.throws(() => ApiVersionsRequest.encode({ clientSoftwareName: '', clientSoftwareVersion: '' }, -1), ProtocolError);
  });
});

describe('tagged fields', () => {
  test('unknown tags are skipped on decode', () => {
    const value = { clientSoftwareName: 'samsa', clientSoftwareVersion: '1.0' };
    const plain = ApiVersionsRequest.encode(value, 3);
    assert.equal(plain[plain.length - 1], 0, 'empty tagged-field section at the end');
    const withUnknown = Buffer.concat([plain.subarray(0, plain.length - 1), Buffer.from([1, 99, 3, 0xaa, 0xbb, 0xcc])]);
    assert.deepStrictEqual(ApiVersionsRequest.decode(withUnknown, 3), value);
  });

  test('a known tagged field is written only when it differs from its default', () => {
    const base = { ...defaultFetchRequest(), maxWaitMs: 500, minBytes: 1 };
    const without = FetchRequest.encode(base, 12);
    const withCluster = FetchRequest.encode({ ...base, clusterId: 'cluster-a' }, 12);
    assert.ok(withCluster.length > without.length);
    assert.equal(FetchRequest.decode(withCluster, 12).clusterId, 'cluster-a');
    assert.equal(FetchRequest.decode(without, 12).clusterId, null);
  });

  test('a tagged field whose size disagrees with its content is refused', () => {
    const bytes = FetchRequest.encode({ ...defaultFetchRequest(), clusterId: 'abc' }, 12);
    // The tagged section of the root struct opens with count 1, tag 0, size 4 ("abc" compact = 4 bytes).
    const at = bytes.indexOf(Buffer.from([1, 0, 4, 4]));
    assert.ok(at > 0);
    const bad = Buffer.from(bytes);
    bad[at + 2] = 5;
    assert.throws(() => FetchRequest.decode(Buffer.concat([bad, Buffer.from([0])]), 12), ProtocolError);
  });
});

describe('API table', () => {
  test('lists every API key once with its codecs', () => {
    const keys = API_SPECS.map((a) => a.apiKey);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(API_BY_KEY.get(0)?.name, 'Produce');
    assert.equal(API_BY_KEY.get(1)?.request, FetchRequest);
  });

  test('does not advertise unstable versions, except the two Kafka 4.0 released', () => {
    assert.equal(API_BY_KEY.get(68)?.highestStableVersion, 1, 'ConsumerGroupHeartbeat v1');
    assert.equal(API_BY_KEY.get(26)?.highestStableVersion, 5, 'EndTxn v5');
    for (const api of API_SPECS) assert.ok(api.highestStableVersion <= api.highestVersion);
  });

  test('chooses header versions as Kafka does', () => {
    const apiVersions = API_BY_KEY.get(18)!;
    assert.equal(requestHeaderVersion(apiVersions, 3), 2);
    assert.equal(requestHeaderVersion(apiVersions, 2), 1);
    assert.equal(responseHeaderVersion(apiVersions, 3), 0, 'ApiVersions always answers with header v0');
    const produce = API_BY_KEY.get(0)!;
    assert.equal(responseHeaderVersion(produce, 9), 1);
    assert.equal(responseHeaderVersion(produce, 8), 0);
    assert.equal(requestHeaderVersion(API_BY_KEY.get(7)!, 0), 0, 'ControlledShutdown v0 has no client id');
  });

  test('request header v2 keeps the client id a classic string', () => {
    const header = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'abc' };
    const bytes = RequestHeader.encode(header, 2);
    assert.deepStrictEqual([...bytes.subarray(8, 10)], [0, 3], 'int16 length, not a compact varint');
    assert.deepStrictEqual(RequestHeader.decode(bytes, 2), header);
    assert.deepStrictEqual(ResponseHeader.decode(ResponseHeader.encode({ correlationId: 9 }, 1), 1), { correlationId: 9 });
  });
});
