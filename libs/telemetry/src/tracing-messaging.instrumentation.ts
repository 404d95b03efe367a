import { Injectable } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import type { MsgHdrs } from 'nats';

import type { DeadLetterInfo, MessagingInstrumentation, PublishInfo, SettledInfo } from './messaging.contract';
import { MessagingMetrics, secondsSince, sendAttributes, settledAttributes } from './messaging.metrics';
import { natsHeadersGetter, natsHeadersSetter } from './nats-headers.propagation';
import { errorType, recordSpanError } from './span-error.util';
import { INSTRUMENTATION_SCOPE, MESSAGING_SYSTEM_NATS, MessagingAttributes as A, MessagingOperationType } from './telemetry.constants';

/** What a JetStream publish acknowledgement looks like (`@app/messaging`'s `PublishResult`), read if present. */
interface PublishAckLike {
  stream?: unknown;
  seq?: unknown;
  duplicate?: unknown;
}

/**
 * `@app/messaging`'s instrumentation hook, backed by OpenTelemetry: a `send <subject>` PRODUCER span around every
 * publish, W3C trace context written into the message headers from inside that span (so the consumer's span
 * becomes its child), and the messaging metrics. Provided under `MESSAGING_INSTRUMENTATION` by `TelemetryModule`.
 */
@Injectable()
export class TracingMessagingInstrumentation implements MessagingInstrumentation {
  private readonly tracer: Tracer = trace.getTracer(INSTRUMENTATION_SCOPE);

  constructor(private readonly metrics: MessagingMetrics) {}

  /**
   * The consumed message's own trace (from its headers), never the context of whatever started the pull loop.
   * Extracted once; `fn` receives it so the transport can hand it to the process-span interceptor.
   */
  runInMessageContext<T>(headers: MsgHdrs | undefined, fn: (traceContext: unknown) => T): T {
    const parent = headers ? propagation.extract(ROOT_CONTEXT, headers, natsHeadersGetter) : ROOT_CONTEXT;
    return context.with(parent, fn, undefined, parent);
  }

  async onPublish<T>(info: PublishInfo, send: () => Promise<T>): Promise<T> {
    let metricAttributes = sendAttributes(info.subject);
    const span = this.tracer.startSpan(`${MessagingOperationType.SEND} ${info.subject}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...metricAttributes,
        [A.OPERATION_TYPE]: MessagingOperationType.SEND,
        [A.MESSAGE_ID]: info.msgId,
        [A.MESSAGE_BODY_SIZE]: info.bodySize,
      },
    });
    const started = performance.now();
    const spanContext = trace.setSpan(context.active(), span);
    try {
      // Injected from the send span's context, so the consumer's process span is a child of this send.
      propagation.inject(spanContext, info.headers, natsHeadersSetter);
      const result = await context.with(spanContext, send);
      this.describeAck(span, result);
      return result;
    } catch (error) {
      recordSpanError(span, error);
      metricAttributes = sendAttributes(info.subject, errorType(error));
      throw error;
    } finally {
      span.end();
      this.metrics.sentMessages.add(1, metricAttributes);
      this.metrics.operationDuration.record(secondsSince(started), metricAttributes);
    }
  }

  onDeadLetter(info: DeadLetterInfo): void {
    this.metrics.deadLetterMessages.add(1, {
      [A.SYSTEM]: MESSAGING_SYSTEM_NATS,
      [A.DESTINATION_NAME]: info.subject,
      [A.CONSUMER_GROUP_NAME]: info.consumer,
    });
  }

  /** The one consumed-message record per delivery, labelled with how it was settled. */
  onSettled(info: SettledInfo): void {
    this.metrics.consumedMessages.add(1, settledAttributes(info.subject, info.consumer, info.outcome));
  }

  /** Stream, sequence and duplicate flag from the JetStream ack, so a trace shows where the message landed. */
  private describeAck(span: Span, result: unknown): void {
    if (typeof result !== 'object' || result === null) return;
    const ack = result as PublishAckLike;
    if (typeof ack.stream === 'string') span.setAttribute(A.NATS_STREAM, ack.stream);
    if (typeof ack.seq === 'number') span.setAttribute(A.NATS_SEQUENCE, ack.seq);
    if (typeof ack.duplicate === 'boolean') span.setAttribute(A.NATS_DUPLICATE, ack.duplicate);
  }
}
