/** Why a dependency counted as unavailable for one call. */
export type UnavailableReason = 'circuit-open' | 'bulkhead-full' | 'timeout' | 'retries-exhausted';

const MESSAGES: Record<UnavailableReason, string> = {
  'circuit-open': 'its circuit breaker is open',
  'bulkhead-full': 'too many calls are already in flight or queued',
  timeout: 'the call timed out',
  'retries-exhausted': 'every attempt failed',
};

/**
 * A call to an outside dependency did not get an answer: breaker open, bulkhead full, timed out, or failed on every
 * attempt. It is transient by nature: a message handler that sees it should nak with a delay (not dead-letter), so the
 * message waits for the dependency to recover.
 */
export class DependencyUnavailableError extends Error {
  /** Read by error classifiers (e.g. the messaging layer): retry later, never dead-letter. */
  readonly transient = true;

  constructor(
    /** The dependency's policy name, e.g. `payment-gateway`. */
    readonly dependency: string,
    readonly reason: UnavailableReason,
    /** The last underlying error, when there was one. */
    override readonly cause?: unknown,
  ) {
    super(`${dependency} is unavailable: ${MESSAGES[reason]}${describeCause(cause)}`);
    this.name = 'DependencyUnavailableError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return ` (${cause.name}: ${cause.message})`;
  return '';
}
