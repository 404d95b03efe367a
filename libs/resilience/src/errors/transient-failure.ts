/**
 * Error names that mean "the request itself is wrong", never "try again": validation of our own input, the
 * messaging layer's PermanentError, an event that fails its contract. Matched by name so this library needs no
 * import from the libraries that define them.
 */
const PERMANENT_ERROR_NAMES = new Set(['PermanentError', 'ValidationError', 'EventValidationError', 'ConfigValidationError']);

/**
 * True for technical failures worth trying again later: network errors, timeouts, an unavailable dependency
 * ({@link DependencyUnavailableError}), and anything unknown thrown by I/O. False for errors marked
 * `permanent: true` or `transient: false` and for the permanent error names (validation, PermanentError).
 *
 * Policies retry and count toward their breaker only what this accepts. A business outcome (a declined payment) is
 * a return value, not an error, so it never reaches this function and never trips a breaker.
 */
export function isTransientFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const marked = error as { transient?: unknown; permanent?: unknown; name?: unknown };
  if (marked.permanent === true || marked.transient === false) return false;
  if (marked.transient === true) return true;
  return !(typeof marked.name === 'string' && PERMANENT_ERROR_NAMES.has(marked.name));
}
