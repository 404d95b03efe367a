import { stringify } from 'yaml';

import { buildAsyncApiDocument } from './asyncapi.document';

/** Where `npm run docs:asyncapi` writes the document, relative to the repository root. */
export const ASYNCAPI_OUTPUT_PATH = 'docs/asyncapi.yaml';

const HEADER = [
  '# Generated from libs/contracts by `npm run docs:asyncapi`. Do not edit by hand:',
  '# test/contracts/asyncapi.spec.ts fails when this file differs from the generator output.',
  '',
].join('\n');

/**
 * The document as YAML, exactly as checked in at `docs/asyncapi.yaml`. Kept apart from `asyncapi.document.ts`
 * (and out of the lib's index) because `yaml` is a dev dependency.
 */
export function renderAsyncApiYaml(): string {
  return HEADER + stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
