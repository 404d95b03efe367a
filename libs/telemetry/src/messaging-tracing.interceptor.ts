import {
  type Attributes,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';

import { isJetStreamContext, type JetStreamContextLike } from './messaging.contract';
import { MessagingMetrics, secondsSince } from './messaging.metrics';
import { natsHeadersGetter } from './nats-headers.propagation';
import { errorType, recordSpanError } from './span-error.util';
import {
  INSTRUMENTATION_SCOPE,
  MESSAGING_SYSTEM_NATS,
  MessagingAttributes as A,
  MessagingOperationType,
} from './telemetry.constants';

/**
 * Wraps every JetStream message handler in a `process <subject>` CONSUMER span and records the consumer metrics.
 * HTTP and other RPC transports pass through untouched. Registered globally by `TelemetryModule`
 * (`APP_INTERCEPTOR`), which reaches the microservice because apps connect it with `inheritAppConfig: true`.
 *
 * Parent AND link: the span is a child of the context in the message headers, because one connected trace per
 * order (HTTP request -> publish -> consume -> publish -> ...) is what the system promises (DESIGN.md "Telemetry
 * conventions"). The messaging conventions prefer a new trace with a link for asynchronous consumers; we also add
 * that link so tools that model messaging as async (and readers who wonder "which send caused this?") see the
 * relationship explicitly, and so it survives if we ever switch to new-trace-per-consume.
 *
 * The handler runs inside the span's context, so its publishes (send spans), database calls and log lines nest
 * under it. Nest binds the handler's async context when `next.handle()` is called, so the call happens inside
 * `context.with`, not just the subscription.
 */
@Injectable()
export class MessagingTracingInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MessagingMetrics) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (executionContext.getType() !== 'rpc') return next.handle();
    const message: unknown = executionContext.switchToRpc().getContext();
    if (!isJetStreamContext(message)) return next.handle();
    return this.traceMessage(message, next);
  }

  private traceMessage(message: JetStreamContextLike, next: CallHandler): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      // From the root, not the active context: the pull loop's own context must not leak into the message's trace.
      const producerContext = message.headers
        ? propagation.extract(ROOT_CONTEXT, message.headers, natsHeadersGetter)
        : ROOT_CONTEXT;
      const producerSpanContext = trace.getSpanContext(producerContext);
      const links: Link[] =
        producerSpanContext && isSpanContextValid(producerSpanContext) ? [{ context: producerSpanContext }] : [];

      const metricAttributes: Attributes = {
        [A.SYSTEM]: MESSAGING_SYSTEM_NATS,
        [A.DESTINATION_NAME]: message.subject,
        [A.OPERATION_NAME]: MessagingOperationType.PROCESS,
      };
      if (message.consumer) metricAttributes[A.CONSUMER_GROUP_NAME] = message.consumer;

      const redelivered = message.redelivered ?? (message.deliveryCount ?? 1) > 1;
      const span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan(
        `${MessagingOperationType.PROCESS} ${message.subject}`,
        {
          kind: SpanKind.CONSUMER,
          links,
          attributes: {
            ...metricAttributes,
            [A.OPERATION_TYPE]: MessagingOperationType.PROCESS,
            ...definedAttributes({
              [A.MESSAGE_ID]: message.messageId,
              [A.MESSAGE_BODY_SIZE]: message.bodySize,
              [A.NATS_STREAM]: message.stream,
              [A.NATS_SEQUENCE]: message.streamSequence,
              [A.NATS_DELIVERY_COUNT]: message.deliveryCount,
            }),
            [A.NATS_REDELIVERED]: redelivered,
          },
        },
        producerContext,
      );
      if (redelivered) {
        // An event as well as the attribute: it shows on the timeline, where a reader looks for "why twice?".
        span.addEvent('messaging.nats.redelivery', { [A.NATS_DELIVERY_COUNT]: message.deliveryCount ?? 0 });
      }
      this.metrics.consumedMessages.add(1, metricAttributes);

      const started = performance.now();
      let ended = false;
      const finish = (error?: unknown, failed = false) => {
        if (ended) return;
        ended = true;
        const durationAttributes = { ...metricAttributes };
        if (failed) {
          recordSpanError(span, error);
          durationAttributes[ATTR_ERROR_TYPE] = errorType(error);
        }
        span.end();
        this.metrics.processDuration.record(secondsSince(started), durationAttributes);
      };

      const spanContext = trace.setSpan(producerContext, span);
      const subscription = context.with(spanContext, () =>
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

/** Drops undefined values, which OpenTelemetry would otherwise warn about. */
function definedAttributes(values: Record<string, string | number | undefined>): Attributes {
  const result: Attributes = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) result[key] = value;
  return result;
}
