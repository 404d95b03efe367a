import { AsyncResource } from 'node:async_hooks';

import type { CallHandler } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { headers, type MsgHdrs } from 'nats';
import { defer, from, lastValueFrom, of, toArray } from 'rxjs';

import type { JetStreamContextLike } from './messaging.contract';
import { MessagingMetrics } from './messaging.metrics';
import { MessagingTracingInterceptor } from './messaging-tracing.interceptor';
import { MessagingMetricNames } from './telemetry.constants';
import { createInMemoryTelemetry, type InMemoryTelemetry, metricPoints } from './testing';
import { TracingMessagingInstrumentation } from './tracing-messaging.instrumentation';

/** A CallHandler that behaves like Nest's: the handler's async context is bound when `handle()` is called. */
function nestLikeHandler<T>(handler: () => Promise<T> | T): CallHandler<T> {
  return { handle: () => defer(AsyncResource.bind(() => from(Promise.resolve().then(handler)))) };
}

function rpcContext(message: JetStreamContextLike): ExecutionContextHost {
  const host = new ExecutionContextHost([{ payload: true }, message]);
  host.setType('rpc');
  return host;
}

function jetStreamMessage(overrides: Partial<JetStreamContextLike> = {}): JetStreamContextLike {
  return {
    subject: 'orders.created',
    headers: headers(),
    stream: 'ORDERS',
    streamSequence: 12,
    deliveryCount: 1,
    messageId: 'evt-1',
    consumer: 'inventory-service__orders_created',
    bodySize: 250,
    redelivered: false,
    ...overrides,
  };
}

class PaymentDeclinedError extends Error {}

describe('MessagingTracingInterceptor', () => {
  let telemetry: InMemoryTelemetry;
  let interceptor: MessagingTracingInterceptor;
  let publisher: TracingMessagingInstrumentation;

  beforeAll(() => {
    telemetry = createInMemoryTelemetry();
    const metrics = new MessagingMetrics();
    interceptor = new MessagingTracingInterceptor(metrics);
    publisher = new TracingMessagingInstrumentation(metrics);
  });
  afterEach(() => telemetry.reset());
  afterAll(() => telemetry.shutdown());

  /** Publishes through the instrumentation and returns the headers the consumer would receive. */
  async function publishedHeaders(subject = 'orders.created'): Promise<MsgHdrs> {
    const carrier = headers();
    await publisher.onPublish({ subject, msgId: 'evt-1', bodySize: 250, headers: carrier }, async () => undefined);
    return carrier;
  }

  async function consume(message: JetStreamContextLike, handler: () => unknown): Promise<unknown[]> {
    return lastValueFrom(interceptor.intercept(rpcContext(message), nestLikeHandler(handler)).pipe(toArray()));
  }

  it('creates a process CONSUMER span that is a child of the send span and links to it', async () => {
    const carrier = await publishedHeaders();
    await consume(jetStreamMessage({ headers: carrier }), () => 'ok');

    const send = telemetry.span('send orders.created');
    const process = telemetry.span('process orders.created');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(process.links).toHaveLength(1);
    expect(process.links[0].context).toMatchObject({
      traceId: send.spanContext().traceId,
      spanId: send.spanContext().spanId,
    });
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('describes the message with the messaging and NATS attributes', async () => {
    await consume(jetStreamMessage({ headers: await publishedHeaders() }), () => 'ok');
    expect(telemetry.span('process orders.created').attributes).toEqual({
      'messaging.system': 'nats',
      'messaging.destination.name': 'orders.created',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': 'evt-1',
      'messaging.consumer.group.name': 'inventory-service__orders_created',
      'messaging.message.body.size': 250,
      'messaging.nats.stream': 'ORDERS',
      'messaging.nats.sequence': 12,
      'messaging.nats.delivery_count': 1,
      'messaging.nats.redelivered': false,
    });
  });

  it('makes a redelivery visible as an attribute and an event', async () => {
    await consume(jetStreamMessage({ deliveryCount: 3, redelivered: true }), () => 'ok');
    const process = telemetry.span('process orders.created');
    expect(process.attributes['messaging.nats.redelivered']).toBe(true);
    expect(process.attributes['messaging.nats.delivery_count']).toBe(3);
    expect(process.events.map((event) => [event.name, event.attributes])).toEqual([
      ['messaging.nats.redelivery', { 'messaging.nats.delivery_count': 3 }],
    ]);
  });

  it('runs the handler inside the process span, so its spans, publishes and baggage nest under it', async () => {
    const upstream = headers();
    await context.with(propagation.setBaggage(context.active(), propagation.createBaggage({ 'order.id': { value: 'o-9' } })), () =>
      publisher.onPublish({ subject: 'orders.created', msgId: 'evt-1', bodySize: 1, headers: upstream }, async () => undefined),
    );
    let baggageInHandler: string | undefined;
    await consume(jetStreamMessage({ headers: upstream }), async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      baggageInHandler = propagation.getBaggage(context.active())?.getEntry('order.id')?.value;
      trace.getTracer('test').startSpan('pg.query INSERT').end();
      await publisher.onPublish({ subject: 'inventory.reserved', msgId: 'evt-2', bodySize: 1, headers: headers() }, async () => undefined);
    });

    const process = telemetry.span('process orders.created');
    expect(telemetry.span('pg.query INSERT').parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    const nextSend = telemetry.span('send inventory.reserved');
    expect(nextSend.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(nextSend.spanContext().traceId).toBe(telemetry.span('send orders.created').spanContext().traceId);
    expect(baggageInHandler).toBe('o-9');
  });

  it('records the handler exception with status ERROR and passes the original error on', async () => {
    const failure = new PaymentDeclinedError('card expired');
    await expect(consume(jetStreamMessage(), () => Promise.reject(failure))).rejects.toBe(failure);

    const process = telemetry.span('process orders.created');
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card expired' });
    expect(process.attributes['error.type']).toBe('PaymentDeclinedError');
    expect(process.events[0].name).toBe('exception');
    expect(process.events[0].attributes?.['exception.message']).toBe('card expired');
  });

  it('starts a new trace for a message without trace headers, without a link', async () => {
    await consume(jetStreamMessage({ headers: undefined }), () => 'ok');
    const process = telemetry.span('process orders.created');
    expect(process.parentSpanContext).toBeUndefined();
    expect(process.links).toEqual([]);
  });

  it('does not leak the caller context into the message trace', async () => {
    await trace.getTracer('test').startActiveSpan('pull loop', async (loop) => {
      await consume(jetStreamMessage({ headers: undefined }), () => 'ok');
      loop.end();
    });
    expect(telemetry.span('process orders.created').spanContext().traceId).not.toBe(telemetry.span('pull loop').spanContext().traceId);
  });

  it('passes every value of an Observable handler through and ends the span on completion', async () => {
    const values = await lastValueFrom(interceptor.intercept(rpcContext(jetStreamMessage()), { handle: () => of(1, 2, 3) }).pipe(toArray()));
    expect(values).toEqual([1, 2, 3]);
    expect(telemetry.spans().map((span) => span.name)).toEqual(['process orders.created']);
  });

  it('uses the trace context the transport already extracted instead of reading the headers again', async () => {
    // What the transport does: the hook extracts the context once and hands it over on the JetStreamContext.
    const carried = publisher.runInMessageContext(await publishedHeaders(), (traceContext) => traceContext);
    // Headers that point at another trace: if the interceptor read them, the span would join that trace.
    const other = headers();
    other.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await consume(jetStreamMessage({ headers: other, traceContext: carried }), () => 'ok');
    const send = telemetry.span('send orders.created');
    const process = telemetry.span('process orders.created');
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
  });

  it('leaves HTTP requests and other RPC transports alone', async () => {
    const http = new ExecutionContextHost([{}, {}]);
    http.setType('http');
    await lastValueFrom(
      interceptor.intercept(
        http,
        nestLikeHandler(() => 'ok'),
      ),
    );
    const otherRpc = new ExecutionContextHost([{}, { getPattern: () => 'x' }]);
    otherRpc.setType('rpc');
    await lastValueFrom(
      interceptor.intercept(
        otherRpc,
        nestLikeHandler(() => 'ok'),
      ),
    );
    expect(telemetry.spans()).toEqual([]);
  });

  it('records the process duration in seconds, once per message, failures labelled with error.type', async () => {
    const message = jetStreamMessage({ subject: 'payments.failed', consumer: 'order-service__payments_failed' });
    await consume(message, () => 'ok');
    await consume(message, () => Promise.reject(new PaymentDeclinedError('x'))).catch(() => undefined);

    const metrics = await telemetry.collectMetrics();
    const forSubject = (name: string) =>
      metricPoints(metrics, name).filter((point) => point.attributes['messaging.destination.name'] === 'payments.failed');
    const attributes = {
      'messaging.system': 'nats',
      'messaging.destination.name': 'payments.failed',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': 'order-service__payments_failed',
    };
    // Consumed messages are counted once, at settlement, by the transport's hook (with the outcome), not here.
    expect(forSubject(MessagingMetricNames.CONSUMED_MESSAGES)).toEqual([]);
    const durations = forSubject(MessagingMetricNames.PROCESS_DURATION);
    expect(durations[0].attributes).toEqual(attributes);
    expect(durations.map((point) => point.attributes['error.type'])).toEqual([undefined, 'PaymentDeclinedError']);
    const ok = durations[0].value as Histogram;
    expect(ok.count).toBe(1);
    expect(ok.sum).toBeLessThan(1);
    expect(ok.buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
  });
});
