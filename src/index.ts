/** The library's public surface: run a broker in-process, and the protocol pieces clients and tests use. */
export { startBroker, SAMSA_VERSION } from './broker/broker.js';
export type { BrokerHandle, BrokerOptions } from './broker/broker.js';
export { brokerConfigFrom, parseProperties, BROKER_CONFIG_DEFINITIONS } from './broker/broker-config.js';
export type { BrokerConfig } from './broker/broker-config.js';
export { ErrorCode, KafkaError, errorName, isRetriable } from './protocol/error-codes.js';
export { encodeRecordBatch, decodeRecordBatch, decodeRecordBatches } from './protocol/record-batch/index.js';
