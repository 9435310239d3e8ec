export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { ProtocolError, truncated } from './protocol-error.js';
export { ZERO_UUID, uuidFromBytes, uuidToBytes, randomUuid } from './uuid.js';
export { EMPTY_BYTES, messageCodec, nonDefaultField, nullField } from './message-codec.js';
export type { MessageCodec } from './message-codec.js';
