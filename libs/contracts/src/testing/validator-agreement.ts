import { validateEvent } from '../validation/validate-event';
import { validateEventFast } from '../validation/validate-event-fast';
import type { EventValidationResult, ValidateEventOptions } from '../validation/validation-flow';

/** Both modes, for `describe.each`. */
export const MODES = ['strict', 'tolerant'] as const;

/** What the two validators must agree on: the accepted event, or the error kind and the set of failing paths. */
export function outcome(result: EventValidationResult): unknown {
  if (result.ok) return { ok: true, event: result.event };
  return { ok: false, kind: result.error.kind, paths: [...new Set(result.error.errors.map((error) => error.path))].sort() };
}

/** The field a path ends in: `data.items[0].quantity` -> `quantity`, `data.items[0]` -> `items`. */
function fieldOf(path: string): string {
  return (
    path
      .replace(/\[\d+\]$/, '')
      .split(/[.[\]"]+/)
      .filter(Boolean)
      .pop() ?? ''
  );
}

/**
 * Asserts that `validateEventFast` and `validateEvent` decide `input` alike (same event, or same kind and paths),
 * and that each message of the compiled validator's own (those the shared flow did not write) names its field.
 */
export function expectAgreement(input: unknown, options: ValidateEventOptions): Record<'reference' | 'fast', EventValidationResult> {
  const reference = validateEvent(input, options);
  const fast = validateEventFast(input, options);
  expect(outcome(fast)).toStrictEqual(outcome(reference));
  const shared = new Set(reference.ok ? [] : reference.error.errors.map((error) => `${error.path}: ${error.message}`));
  for (const error of fast.ok ? [] : fast.error.errors) {
    if (!shared.has(`${error.path}: ${error.message}`)) expect(error.message).toContain(fieldOf(error.path));
  }
  return { reference, fast };
}
