import { ValidationPipe } from '@nestjs/common';

import { RequestValidationError } from './request-validation.error';

/**
 * The order API's validation: whitelisted fields only, unknown fields refused, no type coercion (only what a DTO
 * asks for with `@Transform`/`@Type`). Shared by the app and the test that checks every accepted body is publishable.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // The target is kept for @Expect lookups only; neither it nor the value is ever sent to the client.
    validationError: { target: true, value: false },
    exceptionFactory: (errors) => RequestValidationError.from(errors),
  });
}
