import { type Context, context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * Serialises a context (by default the active one) into the W3C headers of the global propagator
 * (`traceparent`, `tracestate`, `baggage`), ready to store beside an outbox row. Empty when there is no valid span,
 * so rows written outside a trace stay small.
 *
 * Why: the outbox relay publishes rows later, from a timer, outside the request that wrote them. Storing the
 * writer's context and restoring it around the publish makes the relay's `send` span join the HTTP request's trace
 * (DESIGN.md "Telemetry conventions").
 */
export function serializeContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * Rebuilds a context from what {@link serializeContext} stored. Starts from the root context, not the active one,
 * so a relay loop cannot leak one row's trace into the next. A missing or empty carrier gives the root context.
 *
 * @example await context.with(restoreContext(row.traceContext), () => publisher.publishRaw(...))
 */
export function restoreContext(carrier: Record<string, string> | null | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}
