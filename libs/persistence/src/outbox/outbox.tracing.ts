import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

import type { OutboxHeaders, OutboxTracing } from '../persistence.interfaces';

/**
 * Default `OutboxTracing`: the global OpenTelemetry propagator (W3C traceparent/tracestate/baggage once the SDK is
 * started; a no-op before). Restoring starts from ROOT_CONTEXT so a relay tick never leaks its own context into
 * the row's trace.
 */
export const otelOutboxTracing: OutboxTracing = {
  capture(): OutboxHeaders {
    const carrier: OutboxHeaders = {};
    propagation.inject(context.active(), carrier);
    return carrier;
  },
  restore(headers: OutboxHeaders) {
    return propagation.extract(ROOT_CONTEXT, headers ?? {});
  },
};
