import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { Observable } from 'rxjs';

import { recordHttpRoute } from './http-route';
import { isJetStreamContext, type JetStreamContextLike } from './messaging.contract';
import { consumerAttributes, MessagingMetrics, secondsSince } from './messaging.metrics';
import { natsHeadersGetter } from './nats-headers.propagation';
import { errorType, recordSpanError } from './span-error.util';
import { INSTRUMENTATION_SCOPE, MessagingAttributes as A, MessagingOperationType } from './telemetry.constants';

/**
 * The one telemetry interceptor (registered globally by `TelemetryModule`; it reaches message handlers because
 * apps connect the JetStream server with `inheritAppConfig: true`). For a JetStream message it opens the
 * `process <subject>` CONSUMER span and records the process duration; for an HTTP request it names the route
 * (`recordHttpRoute`); other contexts pass through.
 *
 * Parent AND link: the span is a child of the context in the message headers, because one connected trace per
 * order (HTTP request -> publish -> consume -> publish -> ...) is what the system promises (DESIGN.md "Telemetry
 * conventions"). The messaging conventions prefer a new trace with a link for asynchronous consumers; we also add
 * that link so tools that model messaging as async see the relationship explicitly.
 *
 * The context is extracted once per message: the transport's hook (`runInMessageContext`) already did it and hands
 * it over as `traceContext`; the headers are read only when a context arrives without it. Metric attributes are
 * built once per consumer. The handler runs inside the span's context, so its publishes (send spans), database
 * calls and log lines nest under it. Nest binds the handler's async context when `next.handle()` is called, so the
 * call happens inside `context.with`, not just the subscription.
 */
@Injectable()
export class MessagingTracingInterceptor implements NestInterceptor {
  private readonly tracer: Tracer = trace.getTracer(INSTRUMENTATION_SCOPE);

  constructor(private readonly metrics: MessagingMetrics) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = executionContext.getType();
    if (type === 'rpc') {
      const message: unknown = executionContext.switchToRpc().getContext();
      if (isJetStreamContext(message)) return this.traceMessage(message, next);
    } else if (type === 'http') {
      recordHttpRoute(executionContext);
    }
    return next.handle();
  }

  private traceMessage(message: JetStreamContextLike, next: CallHandler): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      // From the root, not the active context: the pull loop's own context must not leak into the message's trace.
      const producerContext = isContext(message.traceContext)
        ? message.traceContext
        : message.headers
          ? propagation.extract(ROOT_CONTEXT, message.headers, natsHeadersGetter)
          : ROOT_CONTEXT;
      const producerSpanContext = trace.getSpanContext(producerContext);
      const links: Link[] = producerSpanContext && isSpanContextValid(producerSpanContext) ? [{ context: producerSpanContext }] : [];
      const metricAttributes = consumerAttributes(message.subject, message.consumer);
      const redelivered = message.redelivered ?? (message.deliveryCount ?? 1) > 1;

      const attributes: Attributes = { ...metricAttributes, [A.OPERATION_TYPE]: MessagingOperationType.PROCESS, [A.NATS_REDELIVERED]: redelivered };
      if (message.messageId !== undefined) attributes[A.MESSAGE_ID] = message.messageId;
      if (message.bodySize !== undefined) attributes[A.MESSAGE_BODY_SIZE] = message.bodySize;
      if (message.stream !== undefined) attributes[A.NATS_STREAM] = message.stream;
      if (message.streamSequence !== undefined) attributes[A.NATS_SEQUENCE] = message.streamSequence;
      if (message.deliveryCount !== undefined) attributes[A.NATS_DELIVERY_COUNT] = message.deliveryCount;
      const span = this.tracer.startSpan(
        `${MessagingOperationType.PROCESS} ${message.subject}`,
        { kind: SpanKind.CONSUMER, links, attributes },
        producerContext,
      );
      if (redelivered) {
        // An event as well as the attribute: it shows on the timeline, where a reader looks for "why twice?".
        span.addEvent('messaging.nats.redelivery', { [A.NATS_DELIVERY_COUNT]: message.deliveryCount ?? 0 });
      }

      const started = performance.now();
      let ended = false;
      const finish = (error?: unknown, failed = false) => {
        if (ended) return;
        ended = true;
        let durationAttributes = metricAttributes;
        if (failed) {
          recordSpanError(span, error);
          durationAttributes = { ...metricAttributes, [ATTR_ERROR_TYPE]: errorType(error) };
        }
        span.end();
        this.metrics.processDuration.record(secondsSince(started), durationAttributes);
      };

      const subscription = context.with(trace.setSpan(producerContext, span), () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            finish(error, true);
            subscriber.error(error);
          },
          complete: () => {
            finish();
            subscriber.complete();
          },
        }),
      );
      // Unsubscribed before completion (shutdown): end the span so it is exported rather than lost.
      return () => {
        subscription.unsubscribe();
        finish();
      };
    });
  }
}

/** An OpenTelemetry `Context` (what the transport's hook hands over), told apart from anything else. */
function isContext(value: unknown): value is Context {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Context).getValue === 'function' &&
    typeof (value as Context).setValue === 'function'
  );
}
