/**
 * Type guards for cockatiel's errors. cockatiel 3.2.1 ships `isTaskCancelledError` and `isIsolatedCircuitError`
 * checking the wrong marker (`isBulkheadRejectedError`), so a timeout would be taken for a full bulkhead and the
 * reverse; these check each error's own marker property instead.
 */
function hasMarker(error: unknown, marker: string): boolean {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[marker] === true;
}

/** Breaker open (or isolated, which extends it). */
export const isBrokenCircuit = (error: unknown): boolean => hasMarker(error, 'isBrokenCircuitError');
export const isBulkheadRejected = (error: unknown): boolean => hasMarker(error, 'isBulkheadRejectedError');
export const isTaskCancelled = (error: unknown): boolean => hasMarker(error, 'isTaskCancelledError');
