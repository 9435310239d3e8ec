/**
 * Kafka UUIDs (topic ids, directory ids, ...) are 16 raw bytes on the wire. In memory they are the
 * string Kafka itself prints: URL-safe base64 without padding (22 characters), so ids read the
 * same in our logs and CLI as in Kafka's tools.
 */
import { ProtocolError } from './protocol-error.js';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToBytes(uuid: string, target: Buffer, offset: number): void {
  if (uuid.length !== 22) throw new ProtocolError(`invalid uuid ${JSON.stringify(uuid)}: expected 22 base64url characters`);
  const written = target.write(uuid, offset, 16, 'base64url');
  if (written !== 16) throw new ProtocolError(`invalid uuid ${JSON.stringify(uuid)}`);
}

export function uuidFromBytes(source: Buffer, offset: number): string {
  return source.toString('base64url', offset, offset + 16);
}

/** A random (version 4) UUID in Kafka's string form; never the zero UUID. */
export function randomUuid(randomBytes: (n: number) => Buffer): string {
  const bytes = randomBytes(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return uuidFromBytes(bytes, 0);
}
