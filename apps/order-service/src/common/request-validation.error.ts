import { BadRequestException, type ValidationError } from '@nestjs/common';

import { expectationOf } from './field-expectation';

/** One failing field of a request: its path (`items[0].quantity`) and what was expected. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A request that failed validation, with every failing field path (`items[0].quantity`), one message each. */
export class RequestValidationError extends BadRequestException {
  constructor(readonly fields: FieldProblem[]) {
    super(`The request is invalid: ${fields.length} field${fields.length === 1 ? '' : 's'} failed validation.`);
  }

  static from(errors: ValidationError[]): RequestValidationError {
    return new RequestValidationError(flatten(errors, ''));
  }
}

/*
 * When a field has no @Expect sentence, the most basic broken rule speaks for it: a wrong type says more than the
 * range checks that fail along with it.
 */
const PRIORITY = [
  'whitelistValidation',
  'unknownValue',
  'isDefined',
  'nestedValidation',
  'isArray',
  'isString',
  'isInt',
  'isNumber',
  'isIn',
  'isUuid',
];

/** A key that reads as a name goes as it is; any other (empty, spaces, dots) is quoted, so paths stay unambiguous. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function fieldLabel(property: string): string {
  return IDENTIFIER.test(property) ? property : JSON.stringify(property);
}

function messageFor(error: ValidationError, constraints: Record<string, string>): string {
  if (constraints.whitelistValidation) return `${fieldLabel(error.property)} is not a known field; remove it`;
  if (constraints.unknownValue) return 'the body must be a JSON object';
  const expected = expectationOf(error.target, error.property);
  if (expected) return `${error.property} must be ${expected}`;
  const key = PRIORITY.find((name) => constraints[name]) ?? Object.keys(constraints)[0];
  return constraints[key];
}

function flatten(errors: ValidationError[], prefix: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const property = error.property ?? '';
    const segment = /^\d+$/.test(property)
      ? `[${property}]`
      : IDENTIFIER.test(property)
        ? prefix
          ? `.${property}`
          : property
        : `[${JSON.stringify(property)}]`;
    const path = `${prefix}${segment}`;
    const constraints = error.constraints ?? {};
    const own = Object.keys(constraints).length > 0 ? [{ field: path || '(body)', message: messageFor(error, constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
