import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { buildIfNeeded, buildIsStale, REPO_ROOT } from './stack';

const RUNS_BUNDLES = /\.(e2e|fault)-spec\.ts$/;

/** True when `path` (a file, a directory, or a jest path pattern) may select tests that run the app bundles. */
function selectsBundleTests(path: string): boolean {
  const full = resolve(REPO_ROOT, path);
  if (!existsSync(full)) return /e2e|fault|saga|lifecycle|foundation/.test(path); // a pattern, not a path
  if (statSync(full).isFile()) return RUNS_BUNDLES.test(full);
  const walk = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) =>
      entry.isDirectory() ? entry.name !== 'node_modules' && walk(join(dir, entry.name)) : RUNS_BUNDLES.test(entry.name),
    );
  return walk(full);
}

/**
 * End-to-end tests run the built bundles, exactly as production does: build them first when sources changed.
 * A run restricted to paths that hold no end-to-end tests (`jest libs/contracts`) skips the build, and a failed
 * build does not stop unit tests: the end-to-end tests then fail on their own with the reason (see `startService`).
 */
export default function globalSetup(): void {
  const paths = process.argv.slice(2).filter((arg) => !arg.startsWith('-') && !arg.includes('spec\\.ts') && !arg.includes('/test/faults/'));
  const testRegexRun = process.argv.some((arg) => arg.includes('fault-spec'));
  if (!testRegexRun && paths.length > 0 && !paths.some(selectsBundleTests)) return;
  try {
    buildIfNeeded((line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    process.stdout.write(`${(error as Error).message}: end-to-end tests will fail\n`);
  }
  if (buildIsStale()) process.stdout.write('warning: app bundles are stale\n');
}
