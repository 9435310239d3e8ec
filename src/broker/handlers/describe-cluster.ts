/**
 * DescribeCluster (key 60), versions 0-1 (KIP-700). The cluster id, the live brokers with their
 * advertised endpoints, and the controller id: on a single node, this node (Kafka's KRaft
 * brokers name a live broker here, since clients cannot reach the controller quorum).
 *
 * - Cluster authorized operations are computed only when asked for: without an authorizer every
 *   operation the cluster resource supports is allowed, as in Kafka; otherwise INT32_MIN.
 * - v1: `endpointType` (KIP-919). A broker serves type 1 (brokers); type 2 (controllers) gets
 *   MISMATCHED_ENDPOINT_TYPE and an unknown type UNSUPPORTED_ENDPOINT_TYPE. The response echoes
 *   the type served.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  type DescribeClusterRequest, type DescribeClusterResponse, defaultDescribeClusterResponse,
} from '../../protocol/generated/index.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED } from '../authorized-operations.js';
import { defineHandler } from '../api-handler.js';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
/** Bit field of ACL operations on the cluster: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    const cache = ctx.broker.metadataCache;
    const base = { ...defaultDescribeClusterResponse(), endpointType: ENDPOINT_BROKERS };
    if (request.endpointType !== ENDPOINT_BROKERS) {
      const known = request.endpointType === ENDPOINT_CONTROLLERS;
      return {
        ...base,
        errorCode: known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: known
          ? 'the request was sent to a broker endpoint, but asked for controllers'
          : `unsupported endpoint type ${request.endpointType}`,
      };
    }
    const brokers = cache.brokers.map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    return {
      ...base,
      clusterId: cache.clusterId,
      controllerId: brokers.some((b) => b.brokerId === cache.controllerId) ? cache.controllerId : -1,
      brokers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
});
