/**
 * The Python clients (Debian packages python3-confluent-kafka, on Debian's librdkafka, and
 * python3-kafka), each driven by a script beside this module that takes one command and a JSON
 * request on stdin and prints one JSON result (see interop_json.py).
 */
import type { ChildProcess } from 'node:child_process';
import { type ExternalClient, interopScript, probePythonModule, runChecked } from './external-client.js';
import {
  type Codec, type ConsumedRecord, type RecordAck, type RecordJson, type RecordToProduce, fromRecordJson, toRecordJson,
} from './interop-records.js';

export const confluentKafka: ExternalClient = probePythonModule(
  'confluent-kafka-python', 'confluent_kafka', '"%s (librdkafka %s)" % (confluent_kafka.version()[0], confluent_kafka.libversion()[0])',
  'Debian package python3-confluent-kafka: apt-get install -y python3-confluent-kafka',
);

export const kafkaPython: ExternalClient = probePythonModule(
  'kafka-python', 'kafka', 'kafka.__version__',
  'Debian package python3-kafka (and python3-snappy python3-lz4 python3-zstandard for its codecs): apt-get install -y python3-kafka',
);

const SCRIPTS = new Map<ExternalClient, string>([[confluentKafka, 'confluent_kafka_client.py'], [kafkaPython, 'kafka_python_client.py']]);

export async function runPythonClient<T>(client: ExternalClient, command: string, request: unknown, timeoutMs = 45_000,
  onLine?: (line: string, child: ChildProcess) => void): Promise<T> {
  const script = interopScript(SCRIPTS.get(client)!);
  // -B: no __pycache__ in the source tree.
  const { stdout } = await runChecked(client.command, ['-B', script, command], { input: JSON.stringify(request), timeoutMs, ...(onLine ? { onLine } : {}) });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

export interface PythonProduceResult {
  readonly acks: RecordAck[];
  readonly apiVersion?: number[];
}

export interface PythonProduceOptions {
  readonly codec?: Codec;
  /** Producer properties (librdkafka names) for confluent-kafka. */
  readonly config?: Readonly<Record<string, string | number>>;
  /** Flush after each record, so each goes alone in its own batch. */
  readonly flushEach?: boolean;
}

export function pythonProduce(client: ExternalClient, bootstrap: string, topic: string, records: readonly RecordToProduce[],
  options: PythonProduceOptions = {}): Promise<PythonProduceResult> {
  return runPythonClient<PythonProduceResult>(client, 'produce', {
    bootstrap, topic, codec: options.codec ?? 'none', config: options.config ?? {}, flushEach: options.flushEach ?? false,
    records: records.map(toRecordJson),
  });
}

export interface PythonConsumed extends RecordJson {
  timestampType: number;
}

/** Every record of `partitions`, from the beginning to the end, read without a consumer group. */
export async function pythonConsume(client: ExternalClient, bootstrap: string, topic: string, partitions: readonly number[]): Promise<ConsumedRecord[]> {
  const res = await runPythonClient<{ records: PythonConsumed[]; errors?: string[] }>(client, 'consume', { bootstrap, topic, partitions, timeoutMs: 20_000 });
  if (res.errors && res.errors.length > 0) throw new Error(`${client.name} consumer errors: ${res.errors.join(', ')}`);
  return res.records.map(fromRecordJson);
}

export interface PythonOffsets {
  readonly low: number;
  readonly high: number;
  readonly forTimes: ({ offset: number; timestamp?: number; error?: string | null } | null)[];
}

export function pythonOffsets(client: ExternalClient, bootstrap: string, topic: string, partition: number, timestamps: readonly number[]): Promise<PythonOffsets> {
  return runPythonClient<PythonOffsets>(client, 'offsets', { bootstrap, topic, partition, timestamps });
}
