/**
 * `npm run docs:asyncapi` writes docs/asyncapi.yaml from the contracts.
 * `npm run docs:asyncapi -- --check` only compares, and exits 1 when the file is stale (for CI).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { buildAsyncApiDocument } from '@app/contracts';
import { stringify } from 'yaml';

/** Where `npm run docs:asyncapi` writes the document, relative to the repository root. */
export const ASYNCAPI_OUTPUT_PATH = 'docs/asyncapi.yaml';

const HEADER = [
  '# Generated from libs/contracts by `npm run docs:asyncapi`. Do not edit by hand:',
  '# test/contracts/asyncapi.spec.ts fails when this file differs from the generator output.',
  '',
].join('\n');

/**
 * The document as YAML, exactly as checked in at `docs/asyncapi.yaml`. Lives with the command rather than in
 * @app/contracts because `yaml` is a dev dependency.
 */
export function renderAsyncApiYaml(): string {
  return HEADER + stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}

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

if (require.main === module) process.exitCode = main(process.argv.slice(2));
