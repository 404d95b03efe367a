import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { formatMissing, missingServices } from './required-services';
import { buildIfNeeded, buildIsStale, REPO_ROOT } from './stack';

const RUNS_BUNDLES = /\.(e2e|fault)-spec\.ts$/;
const NEEDS_SERVICES = /\.(int|e2e|fault)-spec\.ts$/;

/** True when `path` (a file, a directory, or a jest path pattern) may select tests matching `kind`. */
function selects(path: string, kind: RegExp, patternHint: RegExp): boolean {
  const full = resolve(REPO_ROOT, path);
  if (!existsSync(full)) return patternHint.test(path); // a pattern, not a path
  if (statSync(full).isFile()) return kind.test(full);
  const walk = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) =>
      entry.isDirectory() ? entry.name !== 'node_modules' && walk(join(dir, entry.name)) : kind.test(entry.name),
    );
  return walk(full);
}

/**
 * Before any test: when the selection holds integration or end-to-end tests, check that PostgreSQL and NATS answer
 * and stop in seconds with one message naming what is missing and how to start it. End-to-end tests run the built
 * bundles, exactly as production does: build them first when sources changed. A run restricted to paths that hold
 * no end-to-end tests (`jest libs/contracts`) skips the build, and a failed build does not stop unit tests: the
 * end-to-end tests then fail on their own with the reason (see `startService`).
 */
export default async function globalSetup(): Promise<void> {
  const paths = process.argv.slice(2).filter((arg) => !arg.startsWith('-') && !arg.includes('spec\\.ts') && !arg.includes('/test/faults/'));
  const testRegexRun = process.argv.some((arg) => arg.includes('fault-spec'));
  const all = testRegexRun || paths.length === 0;
  if (all || paths.some((path) => selects(path, NEEDS_SERVICES, /int|e2e|fault|saga|lifecycle|foundation|persistence|messaging/))) {
    const missing = await missingServices();
    if (missing.length > 0) {
      process.stderr.write(formatMissing(missing));
      // Nothing has started yet; exiting here leaves no process behind and skips ninety failing tests.
      process.exit(1);
    }
  }
  if (!all && !paths.some((path) => selects(path, RUNS_BUNDLES, /e2e|fault|saga|lifecycle|foundation/))) return;
  try {
    buildIfNeeded((line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    process.stdout.write(`${(error as Error).message}: end-to-end tests will fail\n`);
  }
  if (buildIsStale()) process.stdout.write('warning: app bundles are stale\n');
}
