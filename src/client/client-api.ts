/**
 * The APIs this client speaks: each joins the generated codecs of one API with the range of
 * versions the client's helpers can build. The top of the range is the newest released version
 * in the specs; the bottom is the oldest version that has every field the helpers rely on (so a
 * request never needs a field its version lacks). KafkaConnection picks, per API, the highest
 * version inside both this range and the one the broker advertises.
 */
import {
  API_BY_KEY, type ApiSpec,
  ApiVersionsRequest, ApiVersionsResponse,
  CreatePartitionsRequest, CreatePartitionsResponse,
  ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse,
  CreateTopicsRequest, CreateTopicsResponse,
  DeleteGroupsRequest, DeleteGroupsResponse,
  DeleteTopicsRequest, DeleteTopicsResponse,
  DescribeConfigsRequest, DescribeConfigsResponse,
  DescribeGroupsRequest, DescribeGroupsResponse,
  FetchRequest, FetchResponse,
  FindCoordinatorRequest, FindCoordinatorResponse,
  IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
  ListGroupsRequest, ListGroupsResponse,
  ListOffsetsRequest, ListOffsetsResponse,
  MetadataRequest, MetadataResponse,
  OffsetCommitRequest, OffsetCommitResponse,
  OffsetFetchRequest, OffsetFetchResponse,
  ProduceRequest, ProduceResponse,
} from '../protocol/generated/index.js';
import type { MessageCodec } from '../protocol/primitives/index.js';

export interface ClientApi<Req, Res> {
  /** API key, name, flexible versions: what the request and response headers depend on. */
  readonly spec: ApiSpec;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
}

function clientApi<Req, Res>(apiKey: number, request: MessageCodec<Req>, response: MessageCodec<Res>, minVersion: number): ClientApi<Req, Res> {
  const spec = API_BY_KEY.get(apiKey);
  if (!spec) throw new Error(`no generated codecs for API key ${apiKey}`);
  return { spec, request, response, minVersion, maxVersion: spec.highestStableVersion };
}

export const API_VERSIONS = clientApi(18, ApiVersionsRequest, ApiVersionsResponse, 0);
/** v4+: allowAutoTopicCreation, so asking about a topic never creates it unless wanted. */
export const METADATA = clientApi(3, MetadataRequest, MetadataResponse, 4);
/** v3+: record batches (magic 2), the only format this client writes. */
export const PRODUCE = clientApi(0, ProduceRequest, ProduceResponse, 3);
/** v4+: record batches, and the versions Kafka 4.0 still serves. */
export const FETCH = clientApi(1, FetchRequest, FetchResponse, 4);
export const LIST_OFFSETS = clientApi(2, ListOffsetsRequest, ListOffsetsResponse, 1);
/** v4+: -1 partitions / replication factor mean the broker's defaults (KIP-464). */
export const CREATE_TOPICS = clientApi(19, CreateTopicsRequest, CreateTopicsResponse, 4);
export const DELETE_TOPICS = clientApi(20, DeleteTopicsRequest, DeleteTopicsResponse, 0);
export const DESCRIBE_CONFIGS = clientApi(32, DescribeConfigsRequest, DescribeConfigsResponse, 0);
export const INCREMENTAL_ALTER_CONFIGS = clientApi(44, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 0);
export const CREATE_PARTITIONS = clientApi(37, CreatePartitionsRequest, CreatePartitionsResponse, 0);
export const FIND_COORDINATOR = clientApi(10, FindCoordinatorRequest, FindCoordinatorResponse, 0);
export const LIST_GROUPS = clientApi(16, ListGroupsRequest, ListGroupsResponse, 0);
export const DESCRIBE_GROUPS = clientApi(15, DescribeGroupsRequest, DescribeGroupsResponse, 0);
/** KIP-848 consumer groups; brokers that serve none of them do not advertise it. */
export const CONSUMER_GROUP_DESCRIBE = clientApi(69, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, 0);
/** v2+: null topics asks for every committed offset of the group (KIP-88). */
export const OFFSET_FETCH = clientApi(9, OffsetFetchRequest, OffsetFetchResponse, 2);
/** v2+: offsets kept in Kafka, the versions Kafka 4.0 still serves. */
export const OFFSET_COMMIT = clientApi(8, OffsetCommitRequest, OffsetCommitResponse, 2);
export const DELETE_GROUPS = clientApi(42, DeleteGroupsRequest, DeleteGroupsResponse, 0);
