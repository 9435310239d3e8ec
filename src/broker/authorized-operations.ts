/**
 * Authorized-operation bit fields (KIP-430) for responses that can carry them: Metadata v8+,
 * DescribeCluster, DescribeTopicPartitions, DescribeGroups v3+. No authorizer exists yet, so, as Kafka answers without
 * one, every operation a resource type supports is allowed. Bits are ACL operation codes.
 */

/** The field's value when the client did not ask for it. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

function bits(operations: readonly number[]): number {
  return operations.reduce((field, op) => field | (1 << op), 0);
}

/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const TOPIC_OPERATIONS = bits([3, 4, 5, 6, 7, 8, 10, 11]);

/** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
export const CLUSTER_OPERATIONS = bits([5, 7, 8, 9, 10, 11, 12]);

/** READ, DELETE, DESCRIBE: what a group resource supports (DescribeGroups v3+). */
export const GROUP_OPERATIONS = bits([3, 6, 8]);
