/**
 * `npm run docs:asyncapi` writes docs/asyncapi.yaml from the contracts.
 * `npm run docs:asyncapi -- --check` only compares, and exits 1 when the file is stale (for CI).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { ASYNCAPI_OUTPUT_PATH, renderAsyncApiYaml } from './asyncapi.generator';

function main(argv: string[]): number {
  const target = resolve(process.cwd(), ASYNCAPI_OUTPUT_PATH);
  const yaml = renderAsyncApiYaml();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== yaml) {
      process.stderr.write(`${ASYNCAPI_OUTPUT_PATH} is stale: run npm run docs:asyncapi\n`);
      return 1;
    }
    process.stdout.write(`${ASYNCAPI_OUTPUT_PATH} is current\n`);
    return 0;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, yaml);
  process.stdout.write(`wrote ${ASYNCAPI_OUTPUT_PATH}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
