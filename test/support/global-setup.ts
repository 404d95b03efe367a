import { buildIfNeeded } from './stack';

/** End-to-end tests run the built bundles, exactly as production does: build them first when sources changed. */
export default function globalSetup(): void {
  buildIfNeeded((line) => process.stdout.write(`${line}\n`));
}
