/**
 * FindCoordinator (key 10), versions 0-6: which broker coordinates a group (or a transactional id).
 *
 * Group keys (key type 0): the group lives on partition `abs(hash(groupId)) % partitions` of
 * `__consumer_offsets`, and its coordinator is that partition's leader. The topic is created here
 * on first need (GroupCoordinatorLog.ensureTopic); Kafka starts the creation and answers
 * COORDINATOR_NOT_AVAILABLE until it is done, while this broker creates it before answering, so a
 * client's first lookup already succeeds. While the topic cannot be created (more replicas asked
 * for than live brokers) or the partition has no live leader, the answer is
 * COORDINATOR_NOT_AVAILABLE, which clients retry. An empty group id is looked up like any other,
 * as Kafka does (the group APIs refuse it later with INVALID_GROUP_ID).
 *
 * Transaction keys (key type 1): there is no transaction coordinator yet, so every lookup gets
 * COORDINATOR_NOT_AVAILABLE; the transactions work answers them. Share keys (key type 2, KIP-932):
 * INVALID_REQUEST below v6, as Kafka; COORDINATOR_NOT_AVAILABLE from v6, since share groups are not
 * served. Any other key type: INVALID_REQUEST.
 *
 * Per version: v0 has no key type (always a group); v1 adds the key type, throttle time and an
 * error message, which Kafka fills even on success (with "NONE", the name of Errors.NONE); v3 is
 * flexible; v4+ (KIP-699) looks up a batch of `coordinatorKeys` with an answer and error per key;
 * v5 (KIP-890) and v6 (KIP-932) change nothing here. Failures answer Kafka's "no node": id -1,
 * host "", port -1.
 */
import { partitionForGroup } from '../../coordinator/group/coordinator-log.js';
import { ErrorCode, KafkaError, errorMessage } from '../../protocol/error-codes.js';
import {
  type FindCoordinatorRequest, type FindCoordinatorResponse, type FindCoordinatorResponseCoordinator,
  defaultFindCoordinatorResponse,
} from '../../protocol/generated/index.js';
import { type RequestContext, defineHandler } from '../api-handler.js';
import { OFFSETS_TOPIC } from '../group-coordinator-log.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const KEY_TYPE_SHARE = 2;
/** The first version that may ask for a share coordinator (KIP-932). */
const FIRST_SHARE_VERSION = 6;
/** The first version with batched keys (KIP-699). */
const FIRST_BATCHED_VERSION = 4;

/** Kafka's Errors.NONE.message(): the enum constant's name. */
const NONE_MESSAGE = 'NONE';

type CoordinatorAnswer = Omit<FindCoordinatorResponseCoordinator, 'key'>;

function noNode(errorCode: number, message: string = errorMessage(errorCode)): CoordinatorAnswer {
  return { nodeId: -1, host: '', port: -1, errorCode, errorMessage: message };
}

/** The leader of the group's partition, looked up after the topic is known to exist. */
function groupCoordinator(ctx: RequestContext, groupId: string): CoordinatorAnswer {
  const { metadataCache, groupCoordinatorLog } = ctx.broker;
  const partition = partitionForGroup(groupId, groupCoordinatorLog.partitionCount);
  const state = metadataCache.topic(OFFSETS_TOPIC)?.partitions.find((p) => p.partition === partition);
  const leader = state === undefined || state.leader < 0 ? undefined : metadataCache.brokers.find((b) => b.nodeId === state.leader);
  if (leader === undefined) return noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE, `partition ${partition} of ${OFFSETS_TOPIC} has no live leader`);
  return { nodeId: leader.nodeId, host: leader.host, port: leader.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

/** The answers for `keys`, all of one key type. */
async function findCoordinators(ctx: RequestContext, keyType: number, keys: readonly string[]): Promise<CoordinatorAnswer[]> {
  switch (keyType) {
    case KEY_TYPE_GROUP: {
      if (keys.length === 0) return [];
      try {
        await ctx.broker.groupCoordinatorLog.ensureTopic();
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        ctx.broker.logger.warn({ err: err.message, correlationId: ctx.correlationId }, 'no group coordinator: cannot create the offsets topic');
        return keys.map(() => noNode(err.code, err.message));
      }
      return keys.map((key) => groupCoordinator(ctx, key));
    }
    case KEY_TYPE_TRANSACTION:
      return keys.map(() => noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'this broker has no transaction coordinator'));
    case KEY_TYPE_SHARE:
      if (ctx.apiVersion < FIRST_SHARE_VERSION) return keys.map(() => noNode(ErrorCode.INVALID_REQUEST, `key type ${KEY_TYPE_SHARE} needs version ${FIRST_SHARE_VERSION} or later`));
      return keys.map(() => noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'this broker has no share coordinator'));
    default:
      return keys.map(() => noNode(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`));
  }
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request) {
    if (ctx.apiVersion >= FIRST_BATCHED_VERSION) {
      const answers = await findCoordinators(ctx, request.keyType, request.coordinatorKeys);
      const coordinators = answers.map((answer, i) => ({ ...answer, key: request.coordinatorKeys[i]! }));
      return { ...defaultFindCoordinatorResponse(), coordinators };
    }
    const [answer] = await findCoordinators(ctx, request.keyType, [request.key]);
    const { nodeId, host, port, errorCode } = answer!;
    const message = errorCode === ErrorCode.NONE ? NONE_MESSAGE : answer!.errorMessage;
    return { ...defaultFindCoordinatorResponse(), errorCode, errorMessage: message, nodeId, host, port };
  },
});
