import { setTimeout as sleep } from 'node:timers/promises';

import type { LoggerService } from '@nestjs/common';

/** A technical failure, as an outside dependency would produce. */
export class FlakyDependencyError extends Error {
  constructor(message = 'connection reset') {
    super(message);
    this.name = 'FlakyDependencyError';
  }
}

/** A request that can never succeed. */
export class InvalidRequestError extends Error {
  readonly permanent = true;
  constructor() {
    super('invalid request');
    this.name = 'InvalidRequestError';
  }
}

export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A logger that records lines instead of printing them. */
export function recordingLogger(): LoggerService & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (message: unknown) => void lines.push({ level, message: String(message) });
  return { lines, log: record('log'), warn: record('warn'), error: record('error'), debug: record('debug'), verbose: record('verbose') };
}

/** Waits until `predicate` holds (polling), failing after `timeoutMs`; for states reached asynchronously. */
export async function eventually(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}
