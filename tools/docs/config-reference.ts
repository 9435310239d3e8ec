/**
 * Writes docs/configuration.md from the config definitions in the code, so the reference cannot
 * drift from what the broker accepts. `npm run docs` rewrites it; a test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_CONFIG_DEFINITIONS } from '../../src/broker/broker-config.js';
import { LOG_CONFIG_DEFINITIONS } from '../../src/storage/log-config.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONFIG_REFERENCE_PATH = join(REPO_ROOT, 'docs/configuration.md');

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/broker/broker-config.ts and src/storage/log-config.ts by `npm run docs`. Do not edit. -->',
    '',
    'Broker settings use Kafka\'s names. Give them in a `server.properties` file (`samsa start --config FILE`)',
    'or one at a time (`samsa start --set name=value`), or as the `config` of `startBroker()`. An unknown',
    'name or an invalid value stops start-up with a message naming it.',
    '',
    '## Broker',
    '',
    '| name | default | meaning |',
    '|---|---|---|',
    ...BROKER_CONFIG_DEFINITIONS.map((d) => `| \`${d.name}\` | ${d.defaultValue === '' ? '*(empty)*' : `\`${cell(d.defaultValue)}\``} | ${cell(d.doc)} |`),
    '',
    '## Topics',
    '',
    'Each topic setting can be set per topic (CreateTopics, AlterConfigs, `samsa topics create --config`);',
    'a topic without its own value takes the broker-level setting in the second column, and without',
    'that, the default.',
    '',
    '| topic setting | broker setting | type | default |',
    '|---|---|---|---|',
    ...LOG_CONFIG_DEFINITIONS.map((d) => `| \`${d.name}\` | \`${d.brokerName}\` | ${d.type} | \`${d.defaultValue}\` |`),
    '',
    'Kafka\'s coarser synonyms are accepted too: `log.retention.minutes` and `log.retention.hours` (used',
    'when `log.retention.ms` is not set) and `log.roll.hours` (when `log.roll.ms` is not set).',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(CONFIG_REFERENCE_PATH, renderConfigReference());
  console.log(`wrote ${CONFIG_REFERENCE_PATH}`);
}
