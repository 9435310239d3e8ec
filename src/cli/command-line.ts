/**
 * What the client commands (`samsa topics`, `produce`, `consume`) share: option parsing that
 * turns every mistake into a UsageError, the `--bootstrap` address, the connection to the
 * cluster, writing to stdout with backpressure, and the one-line message each failure prints on
 * stderr before the command exits with status 1.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  type BrokerAddress, BrokerConnectionError, ConnectionPool, KafkaResponseError, parseBrokerAddress,
} from '../client/index.js';
import { ErrorCode } from '../protocol/error-codes.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export const BOOTSTRAP_HELP = `  --bootstrap HOST:PORT     the broker to talk to (default ${DEFAULT_BOOTSTRAP})`;

/** Bad arguments: printed with a pointer to the command's --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type StrictConfig<T extends Options> = { args: string[]; options: T; strict: true; allowPositionals: true };

/**
 * parseArgs in strict mode, its errors turned into one-line UsageErrors. A negative number after
 * a string option is taken as its value (`--acks -1`), which parseArgs alone would refuse.
 */
export function parseCommandArgs<T extends Options>(args: readonly string[], options: T): ReturnType<typeof parseArgs<StrictConfig<T>>> {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(e.message.split('\n')[0]!.replace(/\.?\s*To specify a positional argument.*$/, ''));
    throw err;
  }
}

function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const takesValue = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

export function parseBootstrap(text: string | undefined): BrokerAddress {
  try {
    return parseBrokerAddress(text ?? DEFAULT_BOOTSTRAP);
  } catch (err) {
    throw new UsageError(`--bootstrap ${(err as Error).message}`);
  }
}

/** An integer option in [min, max]; UsageError otherwise. */
export function parseIntegerOption(option: string, text: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${option} expects ${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** `KEY=VALUE` pairs of a repeatable option, in order. */
export function parseKeyValues(option: string, pairs: readonly string[] | undefined): [string, string][] {
  return (pairs ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${option} expects KEY=VALUE, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** Runs `body` with connections to the cluster at `bootstrap`, closing them however it ends. */
export async function withCluster<T>(bootstrap: BrokerAddress, body: (pool: ConnectionPool) => Promise<T>): Promise<T> {
  const pool = await ConnectionPool.open(bootstrap, { clientId: 'samsa-cli', connectTimeoutMs: 5_000 });
  try {
    return await body(pool);
  } finally {
    await pool.close();
  }
}

/**
 * The reader of stdout went away (`samsa consume ... | head`): nothing more can be printed, so
 * stop quietly, as command-line tools do on a broken pipe.
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`samsa: cannot write to standard output: ${err.message}\n`);
  process.exit(1);
}

/** Writes to stdout, waiting while its buffer is full. */
export function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** The one line a failure prints after `samsa COMMAND: `. */
export function describeFailure(err: unknown, command: string): string {
  if (err instanceof UsageError) return `${err.message}; run samsa ${command} --help`;
  if (err instanceof BrokerConnectionError && err.isConnectFailure) {
    return `${err.message}; start one with \`npm start\` or pass --bootstrap`;
  }
  if (err instanceof KafkaResponseError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && err.resource.startsWith('topic ')) {
    const topic = err.resource.slice('topic '.length);
    return `unknown topic ${JSON.stringify(topic)} (${err.errorName}); samsa topics list shows the topics there are`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs one command: prints its failure, if any, as one line on stderr and returns the exit
 * status (0, or 1 on failure).
 */
export async function runCommand(command: string, body: () => Promise<void>): Promise<number> {
  process.stdout.on('error', onStdoutError);
  try {
    await body();
    return 0;
  } catch (err) {
    process.stderr.write(`samsa ${command}: ${describeFailure(err, command)}\n`);
    return 1;
  }
}

/**
 * Runs `samsa COMMAND SUB ...`: the subcommand's body by name, the usage text for none or --help,
 * and a usage error for a name it does not know.
 */
export async function runSubcommand(
  command: string, usage: string, args: readonly string[], subcommands: Readonly<Record<string, (rest: readonly string[]) => Promise<void>>>,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    await writeOut(usage);
    return 0;
  }
  const body = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (body === undefined) return runCommand(command, () => Promise.reject(new UsageError(`unknown ${command} command ${JSON.stringify(sub)}`)));
  return runCommand(`${command} ${sub}`, () => body(rest));
}
