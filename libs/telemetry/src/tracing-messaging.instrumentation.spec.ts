import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { headers } from 'nats';

import { MessagingMetrics } from './messaging.metrics';
import { MessagingMetricNames } from './telemetry.constants';
import { createInMemoryTelemetry, type InMemoryTelemetry, metricPoint, metricPoints } from './testing';
import { TracingMessagingInstrumentation } from './tracing-messaging.instrumentation';

class PublishTimeoutError extends Error {}

describe('TracingMessagingInstrumentation', () => {
  let telemetry: InMemoryTelemetry;
  let instrumentation: TracingMessagingInstrumentation;

  beforeAll(() => {
    telemetry = createInMemoryTelemetry();
    instrumentation = new TracingMessagingInstrumentation(new MessagingMetrics());
  });
  afterEach(() => telemetry.reset());
  afterAll(() => telemetry.shutdown());

  const publishInfo = () => ({ subject: 'orders.created', msgId: 'evt-1', bodySize: 321, headers: headers() });

  it('wraps a publish in a send PRODUCER span with the messaging attributes', async () => {
    const info = publishInfo();
    const result = await instrumentation.onPublish(info, async () => ({ stream: 'ORDERS', seq: 7, duplicate: false }));

    expect(result).toEqual({ stream: 'ORDERS', seq: 7, duplicate: false });
    const span = telemetry.span('send orders.created');
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.attributes).toEqual({
      'messaging.system': 'nats',
      'messaging.destination.name': 'orders.created',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': 'evt-1',
      'messaging.message.body.size': 321,
      'messaging.nats.stream': 'ORDERS',
      'messaging.nats.sequence': 7,
      'messaging.nats.duplicate': false,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('writes the send span as traceparent into the message headers', async () => {
    const info = publishInfo();
    await instrumentation.onPublish(info, async () => undefined);
    const span = telemetry.span('send orders.created');
    expect(info.headers.get('traceparent')).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it('carries baggage and joins the caller trace', async () => {
    const tracer = trace.getTracer('test');
    const info = publishInfo();
    await tracer.startActiveSpan('POST /orders', async (request) => {
      const ctx = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } }));
      await context.with(ctx, () => instrumentation.onPublish(info, async () => undefined));
      request.end();
    });
    const send = telemetry.span('send orders.created');
    const request = telemetry.span('POST /orders');
    expect(send.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(info.headers.get('baggage')).toBe('tenant=acme');
  });

  it('runs send() inside the send span, so nested work is its child', async () => {
    await instrumentation.onPublish(publishInfo(), async () => {
      trace.getTracer('test').startSpan('nats publish').end();
    });
    expect(telemetry.span('nats publish').parentSpanContext?.spanId).toBe(telemetry.span('send orders.created').spanContext().spanId);
  });

  it('records a failed publish as an exception with status ERROR and rethrows it', async () => {
    const failure = new PublishTimeoutError('no ack within 5000 ms');
    await expect(instrumentation.onPublish(publishInfo(), () => Promise.reject(failure))).rejects.toBe(failure);

    const span = telemetry.span('send orders.created');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no ack within 5000 ms' });
    expect(span.attributes['error.type']).toBe('PublishTimeoutError');
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
    expect(span.events[0].attributes?.['exception.message']).toBe('no ack within 5000 ms');
  });

  it('counts sent messages and times publishes in seconds, failures labelled with error.type', async () => {
    const info = { ...publishInfo(), subject: 'payments.completed' };
    await instrumentation.onPublish(info, async () => undefined);
    await instrumentation.onPublish(info, () => Promise.reject(new PublishTimeoutError('x'))).catch(() => undefined);

    const metrics = await telemetry.collectMetrics();
    const sent = metricPoints(metrics, MessagingMetricNames.SENT_MESSAGES)
      .filter((point) => point.attributes['messaging.destination.name'] === 'payments.completed')
      .map((point) => ({ attributes: point.attributes, value: point.value }));
    const attributes = {
      'messaging.system': 'nats',
      'messaging.destination.name': 'payments.completed',
      'messaging.operation.name': 'send',
    };
    expect(sent).toEqual([
      { attributes, value: 1 },
      { attributes: { ...attributes, 'error.type': 'PublishTimeoutError' }, value: 1 },
    ]);
    const duration = metricPoints(metrics, MessagingMetricNames.OPERATION_DURATION).find(
      (point) => point.attributes['messaging.destination.name'] === 'payments.completed' && !point.attributes['error.type'],
    )?.value as Histogram;
    expect(duration.count).toBe(1);
    expect(duration.sum).toBeLessThan(1); // seconds, not milliseconds
    expect(duration.buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
  });

  it('counts dead letters, and each consumed message once by its settlement outcome', async () => {
    instrumentation.onDeadLetter({ subject: 'orders.created', consumer: 'inventory-service__orders_created', reason: 'invalid' });
    instrumentation.onSettled({ subject: 'orders.created', consumer: 'inventory-service__orders_created', outcome: 'nak' });
    const metrics = await telemetry.collectMetrics();
    expect(
      metricPoint(metrics, MessagingMetricNames.DEAD_LETTER_MESSAGES, {
        'messaging.consumer.group.name': 'inventory-service__orders_created',
      })?.value,
    ).toBe(1);
    expect(
      metricPoint(metrics, MessagingMetricNames.CONSUMED_MESSAGES, {
        'messaging.consumer.group.name': 'inventory-service__orders_created',
        'messaging.operation.name': 'process',
        'messaging.nats.outcome': 'nak',
      })?.value,
    ).toBe(1);
  });
});
