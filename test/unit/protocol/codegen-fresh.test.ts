import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_OUT_DIR, writeGenerated } from '../../../tools/codegen/main.js';
import { specsDir, specsPresent } from '../../support/spec-arbitraries.js';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}

test('the committed generated codecs are exactly what the generator writes from the specs', {
  skip: specsPresent ? false : `the specs directory ${specsDir} is absent, so the generated code cannot be checked`,
}, (t) => {
  const fresh = mkdtempSync(join(tmpdir(), 'samsa-codegen-'));
  t.after(() => rmSync(fresh, { recursive: true, force: true }));
  writeGenerated(specsDir, fresh);
  const expected = listFiles(fresh);
  assert.deepStrictEqual(listFiles(DEFAULT_OUT_DIR), expected, 'same set of files (run `npm run codegen`)');
  for (const file of expected) {
    assert.equal(readFileSync(join(DEFAULT_OUT_DIR, file), 'utf8'), readFileSync(join(fresh, file), 'utf8'), `${file} is stale: run \`npm run codegen\``);
  }
});
