import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';

import { EventEnvelopeSchema } from '../envelope/event-envelope';
import { propertyHints } from '../events/schema-hints';
import type { FieldError } from './event-validation.error';
import { joinPath } from './plain-values';
import { createEventValidator, type DataCheck, type DataClass, type ValidationMode } from './validation-flow';

const BASE_OPTIONS: ValidatorOptions = {
  forbidUnknownValues: true,
  // One message per failing field (its first broken rule) keeps reasons short; every field is still reported.
  stopAtFirstError: true,
  // The value tells a missing field from a wrong one; the target finds the field's description for the message.
  validationError: { target: true, value: true },
};

/**
 * The reference implementation: class-validator and class-transformer run over the DTOs' decorators. Returns the
 * typed event, `data` as a plain object of the current version, or an error listing every failing field path
 * (`data.items[0].quantity`). Never throws.
 *
 * About a hundred microseconds per event: the codec and `createEvent` use `validateEventFast`, compiled from the
 * same decorators and held to this one by validator-conformance.spec.ts beside it.
 */
export const validateEvent = createEventValidator({
  checkEnvelope(envelope) {
    return flatten(validateSync(Object.assign(new EventEnvelopeSchema(), envelope), BASE_OPTIONS), '');
  },
  checkData,
});

/** `data` against a DTO class; on success the transformed (whitelisted) data, copied into plain objects. */
function checkData(dto: DataClass, data: Record<string, unknown>, mode: ValidationMode): DataCheck {
  try {
    const instance = plainToInstance(dto, data);
    const errors = validateSync(instance, { ...BASE_OPTIONS, whitelist: true, forbidNonWhitelisted: mode === 'strict' });
    if (errors.length > 0) return { ok: false, errors: flatten(errors, 'data') };
    // Plain objects out: consumers and serializers never see DTO instances.
    return { ok: true, data: structuredClone({ ...instance }) };
  } catch (error) {
    // Only exotic input gets here (cycles, getters that throw); it is invalid, and validateEvent never throws.
    return { ok: false, errors: [{ path: 'data', message: `data could not be read: ${(error as Error).message}` }] };
  }
}

/** class-validator's error tree -> one entry per failed constraint, with JSON-path-like paths. */
function flatten(errors: ValidationError[], parent: string, parentIsArray = false): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property, parentIsArray);
    if (error.constraints && (error.value === undefined || error.value === null)) {
      // The first rule checked on an absent field is arbitrary ("subject must be shorter than or equal to 256
      // characters" for no subject at all): say it is missing and what belongs there.
      out.push({ path, message: missing(error) });
      continue;
    }
    for (const message of Object.values(error.constraints ?? {})) out.push({ path, message });
    // The value, not the children's names, tells an array: an unknown field "0" of an object is `["0"]`, not `[0]`.
    if (error.children?.length) out.push(...flatten(error.children, path, Array.isArray(error.value)));
  }
  return out;
}
/** `subject is missing; expected the aggregate id (the order id)`, from the field's documented description. */
function missing(error: ValidationError): string {
  const description = error.target ? propertyHints(error.target.constructor, error.property).description : undefined;
  if (!description) return `${error.property} is missing`;
  return `${error.property} is missing; expected ${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}`;
}
