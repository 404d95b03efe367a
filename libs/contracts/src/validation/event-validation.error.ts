/** One failing field: `path` like `data.items[0].quantity` (empty for the event itself). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * Why an event was refused. `invalid`: fields break the contract; `unknown-type`: `type` names no event this library
 * knows; `unsupported-version`: `dataversion` is newer than known (or has no upcaster), so it is not guessed at.
 */
export type EventValidationErrorKind = 'invalid' | 'unknown-type' | 'unsupported-version';

const MAX_ERRORS_IN_MESSAGE = 10;

/** An event that breaks its contract; `errors` lists every failing field path. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';

  constructor(
    readonly errors: readonly FieldError[],
    readonly kind: EventValidationErrorKind = 'invalid',
    readonly eventType?: string,
  ) {
    super(describe(errors, kind, eventType));
  }
}

function describe(errors: readonly FieldError[], kind: EventValidationErrorKind, eventType?: string): string {
  const what = eventType ? `${eventType} event` : 'event';
  const listed = errors.slice(0, MAX_ERRORS_IN_MESSAGE).map((error) => (error.path ? `${error.path}: ${error.message}` : error.message));
  const more = errors.length > MAX_ERRORS_IN_MESSAGE ? `; and ${errors.length - MAX_ERRORS_IN_MESSAGE} more` : '';
  const prefix = kind === 'unknown-type' ? 'unknown event type' : kind === 'unsupported-version' ? `unsupported ${what} version` : `invalid ${what}`;
  return `${prefix}: ${listed.join('; ')}${more}`;
}
