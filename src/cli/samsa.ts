#!/usr/bin/env node
/**
 * The `samsa` command: a thin shell around the library. `samsa start` runs a broker until SIGINT
 * or SIGTERM, then shuts it down cleanly. `samsa topics|produce|consume|groups` talk to a running
 * broker through the client (src/client/); each lives in its own module here.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SAMSA_VERSION, startBroker } from '../broker/broker.js';
import { parseProperties } from '../broker/broker-config.js';
import { InvalidConfigError } from '../storage/log-config.js';
import { consumeCommand } from './consume-command.js';
import { groupsCommand } from './groups-command.js';
import { produceCommand } from './produce-command.js';
import { topicsCommand } from './topics-command.js';

const USAGE = `samsa ${SAMSA_VERSION}: a Kafka-compatible event streaming platform

Usage:
  samsa start [options]     run a broker (default: 127.0.0.1:9092, data in ./data)
  samsa topics COMMAND      create, list, describe, alter or delete topics
  samsa produce TOPIC       write each line of standard input as a record
  samsa consume TOPIC       print the records of a topic, one per line
  samsa groups COMMAND      list, describe or delete consumer groups, reset their offsets
  samsa --version

topics, produce, consume and groups talk to the broker at --bootstrap HOST:PORT
(default 127.0.0.1:9092); run samsa COMMAND --help for their options.

Options for start:
  --config FILE             broker properties (server.properties format, Kafka's names)
  --host HOST               listen on HOST (overrides listeners)
  --port N                  listen on port N (overrides listeners)
  --data-dir DIR            keep data in DIR (overrides log.dirs)
  --set KEY=VALUE           set one broker property; repeat for more
  -h, --help                show this help
`;

function fail(message: string): never {
  process.stderr.write(`samsa: ${message}\n`);
  process.exit(1);
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      set: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const props = new Map<string, string>();
  if (values.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.config, 'utf8');
    } catch (err) {
      fail(`cannot read --config ${values.config}: ${(err as Error).message}`);
    }
    for (const [k, v] of parseProperties(text)) props.set(k, v);
  }
  for (const pair of values.set ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) fail(`--set expects KEY=VALUE, got ${JSON.stringify(pair)}`);
    props.set(pair.slice(0, at), pair.slice(at + 1));
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port expects a port number (0-65535), got ${JSON.stringify(values.port)}`);
  }
  const broker = await startBroker({ config: props, port, host: values.host, dataDir: values['data-dir'] });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`samsa: ${signal} received, shutting down\n`);
    broker.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`samsa: shutdown failed: ${(err as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'topics':
      process.exitCode = await topicsCommand(rest);
      return;
    case 'produce':
      process.exitCode = await produceCommand(rest);
      return;
    case 'consume':
      process.exitCode = await consumeCommand(rest);
      return;
    case 'groups':
      process.exitCode = await groupsCommand(rest);
      return;
    case '--version':
    case '-v':
      process.stdout.write(`${SAMSA_VERSION}\n`);
      return;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command ${JSON.stringify(command)}; run samsa --help for the commands`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof InvalidConfigError) fail(`invalid configuration: ${e.message}`);
  if (e.code === 'EADDRINUSE') fail(`cannot listen: the address is already in use (${e.message}); stop the other process or choose another --port`);
  if (e.code === 'EACCES') fail(`cannot listen or write: permission denied (${e.message})`);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') fail(`${e.message}; run samsa start --help`);
  fail(e.message ?? String(err));
});
