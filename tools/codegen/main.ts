/**
 * `npm run codegen [-- --specs DIR] [-- --out DIR]`: regenerates src/protocol/generated from
 * Kafka's message specs (default ../shared/kafka-protocol beside the repo). The output directory
 * is replaced as a whole, so a spec that disappears takes its module with it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';
import { loadSpecs } from './spec.js';

/** Repository root: this file is dist/tools/codegen/main.js once compiled. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_SPECS_DIR = resolve(REPO_ROOT, '../shared/kafka-protocol');
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'src/protocol/generated');

export function writeGenerated(specsDir: string, outDir: string): number {
  const files = generate(loadSpecs(specsDir));
  rmSync(outDir, { recursive: true, force: true });
  for (const [path, text] of files) {
    const target = join(outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return files.size;
}

function parseArgs(argv: readonly string[]): { specs: string; out: string } {
  let specs = DEFAULT_SPECS_DIR;
  let out = DEFAULT_OUT_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--specs' || arg === '--out') && value !== undefined) {
      if (arg === '--specs') specs = resolve(value);
      else out = resolve(value);
      i++;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}; usage: npm run codegen -- [--specs DIR] [--out DIR]`);
    }
  }
  return { specs, out };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { specs, out } = parseArgs(process.argv.slice(2));
    const count = writeGenerated(specs, out);
    console.log(`codegen: wrote ${count} files to ${out} from ${specs}`);
  } catch (err) {
    console.error(`codegen failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error('The specs directory must hold messages/, group-coordinator/ and transaction-coordinator/ (see ../shared/kafka-protocol).');
    process.exitCode = 1;
  }
}
