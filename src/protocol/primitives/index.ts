export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { ProtocolError, truncated } from './protocol-error.js';
export { ZERO_UUID, uuidFromBytes, uuidToBytes, randomUuid } from './uuid.js';
