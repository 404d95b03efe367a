import { fieldErrors } from './ajv-errors';
import { dataSchema, envelopeSchema } from './compiled-schemas';
import type { FieldError } from './event-validation.error';
import { createEventValidator, type DataCheck } from './validation-flow';

/**
 * `validateEvent` compiled: the same contract and the same results (accepted events, error kinds, failing paths),
 * checked by Ajv validators compiled once per process from the JSON Schema the DTOs' class-validator decorators
 * generate (the AsyncAPI document's, in its validation dialect). A few microseconds per event instead of a hundred,
 * so the codec and `createEvent` use it. Never throws.
 *
 * Where class-validator accepts what no JSON could carry or what its own types forbid (an array of arrays for a
 * list of lines, `undefined` elements, non-plain objects), this one refuses: see validator-conformance.spec.ts.
 */
export const validateEventFast = createEventValidator({
  checkEnvelope(envelope) {
    const { check } = envelopeSchema();
    return check(envelope) ? [] : fieldErrors(check.errors ?? [], envelope, '');
  },

  checkData(dto, data, mode): DataCheck {
    // Compiled outside the try: a schema that does not compile is a bug to surface, not invalid data.
    const { check, project } = dataSchema(dto, mode);
    try {
      if (check(data)) return { ok: true, data: project(data) as object };
      return { ok: false, errors: fieldErrors(check.errors ?? [], data, 'data') };
    } catch (error) {
      // Only exotic input gets here (getters that throw, proxies); it is invalid, and validation never throws.
      const unreadable: FieldError = { path: 'data', message: `data could not be read: ${(error as Error).message}` };
      return { ok: false, errors: [unreadable] };
    }
  },
});
