/**
 * Samsa's Kafka client: connections with version negotiation, metadata, topic administration,
 * a batching producer with Java-compatible partitioning, ListOffsets, a fetcher and consumer group
 * administration. Built on the generated protocol codecs and the record batch encoder; it knows
 * nothing of the broker.
 */
export * from './admin.js';
export * from './client-api.js';
export * from './client-errors.js';
export * from './connection-pool.js';
export * from './fetcher.js';
export * from './group-admin.js';
export * from './kafka-connection.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './partitioner.js';
export * from './producer.js';
