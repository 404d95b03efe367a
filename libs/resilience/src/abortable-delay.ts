/**
 * Waits `ms`, or rejects as soon as `signal` aborts: what a simulated (or polled) dependency call needs so a
 * policy's timeout really abandons it. Rejects with the signal's reason, or an error naming `what` when it has none.
 */
export function abortableDelay(ms: number, signal?: AbortSignal, what = 'call'): Promise<void> {
  const reason = (s: AbortSignal) => (s.reason instanceof Error ? s.reason : new Error(`${what} aborted`));
  if (signal?.aborted) return Promise.reject(reason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(reason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
