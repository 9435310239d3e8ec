/**
 * The shape every generated message exposes: typed `encode(value, version)` / `decode(bytes,
 * version)` plus the streaming `write`/`read` the broker uses to put several messages (header,
 * body) into one Writer or read them from one frame. Versions outside the message's valid range
 * are refused with ProtocolError before any byte is touched.
 */
import { ProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export interface MessageCodec<T> {
  readonly name: string;
  readonly lowestVersion: number;
  readonly highestVersion: number;
  write(w: Writer, value: T, version: number): void;
  read(r: Reader, version: number): T;
  encode(value: T, version: number): Buffer;
  decode(bytes: Buffer, version: number): T;
}

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export function messageCodec<T>(
  name: string,
  lowestVersion: number,
  highestVersion: number,
  write: (w: Writer, value: T, version: number) => void,
  read: (r: Reader, version: number) => T,
): MessageCodec<T> {
  const check = (version: number): void => {
    if (!(version >= lowestVersion && version <= highestVersion) || !Number.isInteger(version)) {
      throw new ProtocolError(`${name} has no version ${version} (valid: ${lowestVersion}-${highestVersion})`);
    }
  };
  return {
    name,
    lowestVersion,
    highestVersion,
    write(w, value, version) {
      check(version);
      writeChecked(write, w, value, version);
    },
    read(r, version) {
      check(version);
      return read(r, version);
    },
    encode(value, version) {
      check(version);
      const w = new Writer();
      writeChecked(write, w, value, version);
      return w.toBuffer();
    },
    decode(bytes, version) {
      check(version);
      return read(new Reader(bytes), version);
    },
  };
}

/** Buffer's integer writers throw RangeError for a value the field cannot hold; callers see ProtocolError only. */
function writeChecked<T>(write: (w: Writer, value: T, version: number) => void, w: Writer, value: T, version: number): void {
  try {
    write(w, value, version);
  } catch (err) {
    if (err instanceof RangeError) throw new ProtocolError(`value out of range for its field: ${err.message}`);
    throw err;
  }
}

export function nonDefaultField(message: string, field: string, version: number): ProtocolError {
  return new ProtocolError(`${message}: version ${version} cannot carry a non-default ${field}`);
}

export function nullField(message: string, field: string, version: number): ProtocolError {
  return new ProtocolError(`${message}: ${field} is null, but version ${version} does not allow null`);
}
