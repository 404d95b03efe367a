import { buildIfNeeded, buildIsStale } from './stack';

/**
 * End-to-end tests run the built bundles, exactly as production does: build them first when sources changed.
 * A run restricted to paths that hold no end-to-end tests (`jest libs/contracts`) skips the build, and a failed
 * build does not stop unit tests: the end-to-end tests then fail on their own with the reason (see `startService`).
 */
export default function globalSetup(): void {
  const paths = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const needsBundles = paths.length === 0 || paths.some((path) => /e2e|foundation|saga|faults|deploy|^test\/?$/.test(path));
  if (!needsBundles) return;
  try {
    buildIfNeeded((line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    process.stdout.write(`${(error as Error).message}: end-to-end tests will fail\n`);
  }
  if (buildIsStale()) process.stdout.write('warning: app bundles are stale\n');
}
