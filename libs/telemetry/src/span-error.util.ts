import { type Exception, type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/**
 * `error.type` value: the error's class name (`PublishTimeoutError`, `PermanentError`, ...; custom classes often
 * leave `name` as "Error"), else `_OTHER` as the convention says.
 */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor.name || error.name;
  return '_OTHER';
}

/** Records an exception event, `error.type` and status ERROR on a span. */
export function recordSpanError(span: Span, error: unknown): void {
  const exception: Exception =
    error instanceof Error ? error : { name: errorType(error), message: typeof error === 'string' ? error : JSON.stringify(error) };
  span.recordException(exception);
  span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(exception.message) });
}
