/**
 * The small helpers every part of the messaging library uses, kept once (STYLE.md: "a helper exists once").
 */

/** The message of an error, or the value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Readable text of whatever a handler failed with, including Nest's wrapped `{status, message}` objects. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      return Object.prototype.toString.call(error); // not serializable (a cycle): at least its kind
    }
  }
  return String(error);
}

/** A back-off pause that does not keep the process alive on its own. */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Settles like `promise`, or rejects once `timeoutMs` pass first: with `label timed out after N ms`, or with the
 * error `onTimeout` makes (callers with an error class of their own). The timer never outlives the race.
 */
export function withTimeout<T>(promise: PromiseLike<T>, timeoutMs: number, onTimeout: string | (() => Error)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(typeof onTimeout === 'string' ? new Error(`${onTimeout} timed out after ${timeoutMs} ms`) : onTimeout()),
      timeoutMs,
    );
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}
