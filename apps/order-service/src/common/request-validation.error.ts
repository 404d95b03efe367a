import { BadRequestException, type ValidationError } from '@nestjs/common';

/** A request that failed validation, with every failing field path (`items[0].quantity`). */
export class RequestValidationError extends BadRequestException {
  constructor(readonly fields: { field: string; message: string }[]) {
    super(`The request is invalid: ${fields.length} field${fields.length === 1 ? '' : 's'} failed validation.`);
  }

  static from(errors: ValidationError[]): RequestValidationError {
    return new RequestValidationError(flatten(errors, ''));
  }
}

function flatten(errors: ValidationError[], prefix: string): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : prefix ? `.${error.property}` : error.property;
    const path = `${prefix}${segment}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field: path || '(body)', message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
