import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_REFERENCE_PATH, renderConfigReference } from '../../../tools/docs/config-reference.js';

test('docs/configuration.md is what the config definitions generate (run `npm run docs`)', () => {
  assert.equal(readFileSync(CONFIG_REFERENCE_PATH, 'utf8'), renderConfigReference());
});
