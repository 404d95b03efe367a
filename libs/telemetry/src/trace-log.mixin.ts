import { isSpanContextValid, trace } from '@opentelemetry/api';

/** Log fields that tie a log line to its trace. */
export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * pino mixin: `{ trace_id, span_id }` of the active span, `{}` outside a span. Reads the context through the API,
 * so it works whether or not the pino instrumentation patched the logger (and adds the same values if it did).
 * Register with `setLogMixin(traceLogMixin)` from `@app/runtime`.
 */
export function traceLogMixin(): TraceLogFields {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
