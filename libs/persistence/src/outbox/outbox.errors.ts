import { withTimeout } from '@app/messaging';

/** A publish that did not settle within `publishTimeoutMs`; transient (the row is retried). */
export class OutboxPublishTimeoutError extends Error {
  override readonly name = 'OutboxPublishTimeoutError';

  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`publishing to ${subject} did not settle within ${timeoutMs} ms`);
  }
}

/** Names/codes the broker uses for refusals that retrying soon will not fix. */
const REJECTION_NAMES = new Set(['NoStreamError']);
const REJECTION_CODES = new Set(['MAX_PAYLOAD_EXCEEDED']);

/**
 * Default `isRejection`: the broker refused this particular row (no stream captures its subject, payload too
 * large) or the error says `permanent: true`. Everything else (connection lost, timeout, breaker open) is an outage.
 * Matching by name keeps this lib free of a dependency on @app/messaging.
 */
export function isBrokerRejection(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, permanent } = error as { name?: unknown; code?: unknown; permanent?: unknown };
  return permanent === true || (typeof name === 'string' && REJECTION_NAMES.has(name)) || (typeof code === 'string' && REJECTION_CODES.has(code));
}

/** `Name: message` of an error (the messaging library's `describeFailure`, kept once). */
export { describeFailure as describeError } from '@app/messaging';

/** `promise`, or an {@link OutboxPublishTimeoutError} for `subject` when it takes longer than `timeoutMs`. */
export function publishWithin<T>(subject: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  return withTimeout(promise, timeoutMs, () => new OutboxPublishTimeoutError(subject, timeoutMs));
}
