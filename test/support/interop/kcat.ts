/**
 * kcat (librdkafka's command-line client, Debian package `kcat`) driven through its own command
 * line: `-P` reads `key:value` lines from stdin (`-K:`), `-H name=value` adds the same headers to
 * every record, `-Z` turns an empty key or value into null, `-z` picks the codec; `-C -e -f` prints
 * each record in a format made of the fields asked for. kcat cannot set record timestamps.
 */
import type { RecordHeader } from '../../../src/protocol/record-batch/index.js';
import { type ExternalClient, probeCommand, runChecked } from './external-client.js';
import type { Codec, ConsumedRecord } from './interop-records.js';

export const kcat: ExternalClient = probeCommand('kcat', 'kcat', ['-V'], 'Debian package kcat: apt-get install -y kcat',
  (output) => `${/Version (\S+)/.exec(output)?.[1] ?? '?'} (librdkafka ${/librdkafka (\S+)/.exec(output)?.[1] ?? '?'})`);

const FIELD = '\x1f';
const RECORD = '\x1e';
/** partition, offset, timestamp, key length (-1 for null), key, value length, value, headers. */
const FORMAT = ['%p', '%o', '%T', '%K', '%k', '%S', '%s', '%h'].join(FIELD) + RECORD;

export interface KcatLine {
  /** Null sends no key; an empty key is sent as null too (-Z). */
  readonly key: string | null;
  /** An empty value is sent as null (-Z). Neither may hold ':' (in a key) or a newline. */
  readonly value: string;
}

export interface KcatProduceOptions {
  readonly partition: number;
  readonly headers?: readonly (readonly [string, string | null])[];
  readonly codec?: Codec;
  readonly extraConfig?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** Produces `lines` to one partition with acks=all; kcat exits non-zero if any delivery failed. */
export async function kcatProduce(bootstrap: string, topic: string, lines: readonly KcatLine[], options: KcatProduceOptions): Promise<void> {
  const args = ['-b', bootstrap, '-P', '-t', topic, '-p', String(options.partition), '-K', ':', '-Z', '-X', 'acks=all', '-z', options.codec ?? 'none'];
  for (const [name, value] of options.headers ?? []) args.push('-H', value === null ? name : `${name}=${value}`);
  for (const [name, value] of Object.entries(options.extraConfig ?? {})) args.push('-X', `${name}=${value}`);
  const input = lines.map((l) => (l.key === null ? l.value : `${l.key}:${l.value}`)).join('\n') + '\n';
  await runChecked(kcat.command, args, { input, timeoutMs: options.timeoutMs ?? 30_000 });
}

/** Reads a whole partition (or every partition when `partition` is null) from the beginning to its end. */
export async function kcatConsume(bootstrap: string, topic: string, partition: number | null, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
  const args = ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', FORMAT];
  if (partition !== null) args.push('-p', String(partition));
  const { stdout } = await runChecked(kcat.command, args, { timeoutMs });
  return stdout.split(RECORD).filter((r) => r.trim() !== '').map(parseRecord);
}

function parseRecord(text: string): ConsumedRecord {
  const fields = text.replace(/^\n/, '').split(FIELD);
  if (fields.length !== 8) throw new Error(`unexpected kcat output: ${JSON.stringify(text)}`);
  const [partition, offset, timestamp, keyLength, key, valueLength, value, headerText] = fields as [string, string, string, string, string, string, string, string];
  return {
    partition: Number(partition),
    offset: Number(offset),
    timestamp: Number(timestamp),
    key: keyLength === '-1' ? null : Buffer.from(key, 'utf8'),
    value: valueLength === '-1' ? null : Buffer.from(value, 'utf8'),
    headers: parseHeaders(headerText),
  };
}

/** `%h` prints `name=value` pairs joined by commas, a null value as `NULL`. */
function parseHeaders(text: string): RecordHeader[] {
  if (text === '') return [];
  return text.split(',').map((pair) => {
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1);
    return { key: pair.slice(0, eq), value: value === 'NULL' ? null : Buffer.from(value, 'utf8') };
  });
}

export interface KcatMetadata {
  readonly controllerid: number;
  readonly brokers: { id: number; name: string }[];
  readonly topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[]; error?: string }[];
}

/** `kcat -L -J`: the cluster as librdkafka's Metadata request sees it. */
export async function kcatMetadata(bootstrap: string, topic?: string): Promise<KcatMetadata> {
  const args = ['-b', bootstrap, '-L', '-J'];
  if (topic !== undefined) args.push('-t', topic);
  const { stdout } = await runChecked(kcat.command, args, { timeoutMs: 30_000 });
  return JSON.parse(stdout) as KcatMetadata;
}
