import { createInMemoryTelemetry, type InMemoryTelemetry } from '@app/telemetry/testing';
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

import { PaymentGatewayError, type SagaTestApp, startSagaTestApp } from './support/saga-test.app';

/** The spans of an order through Nest's real HTTP and RPC pipelines, with the publishes of each handler. */
describe('telemetry across Nest HTTP and message handlers', () => {
  let telemetry: InMemoryTelemetry;
  let saga: SagaTestApp;
  let errors: Record<string, unknown>;
  let route: string | undefined;

  beforeAll(async () => {
    telemetry = createInMemoryTelemetry();
    saga = await startSagaTestApp();

    // Stands in for the HTTP instrumentation (not active under Jest): a SERVER span plus the RPC metadata the
    // instrumentation reads the route from.
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('POST', { kind: SpanKind.SERVER }, async (span: Span) => {
      const metadata = { type: RPCType.HTTP as const, span };
      await context.with(setRPCMetadata(context.active(), metadata), async () => {
        const response = await saga.app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/orders' });
        expect(response.statusCode).toBe(201);
        route = getRPCMetadata(context.active())?.route;
      });
      span.end();
    });
    // Consumed later, from the test's own context, as a pull loop would.
    errors = await saga.drain();
  });

  afterAll(async () => {
    await saga.app.close();
    await telemetry.shutdown();
  });

  const byName = (name: string): ReadableSpan => telemetry.span(name);
  const parentOf = (name: string) => byName(name).parentSpanContext?.spanId;
  const idOf = (name: string) => byName(name).spanContext().spanId;

  it('keeps the whole order in one trace', () => {
    const traceIds = new Set(telemetry.spans().map((span) => span.spanContext().traceId));
    expect(
      telemetry
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(
      [
        'POST',
        'send orders.created',
        'process orders.created',
        'send inventory.reserved',
        'process inventory.reserved',
        'send payments.failed',
        'process payments.failed',
      ].sort(),
    );
    expect(traceIds.size).toBe(1);
  });

  it('chains request -> send -> process -> send -> process', () => {
    expect(parentOf('send orders.created')).toBe(idOf('POST'));
    expect(parentOf('process orders.created')).toBe(idOf('send orders.created'));
    expect(parentOf('send inventory.reserved')).toBe(idOf('process orders.created'));
    expect(parentOf('process inventory.reserved')).toBe(idOf('send inventory.reserved'));
    expect(parentOf('send payments.failed')).toBe(idOf('process inventory.reserved'));
    expect(parentOf('process payments.failed')).toBe(idOf('send payments.failed'));
    expect(byName('process inventory.reserved').links[0].context.spanId).toBe(idOf('send inventory.reserved'));
  });

  it('marks producers and consumers with their span kinds and messaging attributes', () => {
    expect(byName('POST').kind).toBe(SpanKind.SERVER);
    for (const subject of ['orders.created', 'inventory.reserved', 'payments.failed']) {
      expect(byName(`send ${subject}`).kind).toBe(SpanKind.PRODUCER);
      expect(byName(`send ${subject}`).attributes).toMatchObject({
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.message.body.size': expect.any(Number),
        'messaging.nats.stream': 'T_STREAM',
        'messaging.nats.duplicate': false,
      });
      expect(byName(`process ${subject}`).kind).toBe(SpanKind.CONSUMER);
      expect(byName(`process ${subject}`).attributes).toMatchObject({
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.consumer.group.name': `test__${subject.replace('.', '_')}`,
        'messaging.message.id': byName(`send ${subject}`).attributes['messaging.message.id'],
        'messaging.nats.redelivered': false,
      });
    }
    expect(byName('process orders.created').attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': 'orders.created',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'test__orders_created',
      'messaging.nats.stream': 'T_STREAM',
      'messaging.nats.sequence': 1,
      'messaging.nats.delivery_count': 1,
    });
    expect(byName('send orders.created').attributes).toMatchObject({
      'messaging.message.id': 'evt-1',
      'messaging.nats.sequence': 1,
    });
  });

  it('records the original handler error, not the one Nest maps it to', () => {
    expect(errors['payments.failed']).toBeDefined();
    const failed = byName('process payments.failed');
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'gateway down' });
    expect(failed.attributes['error.type']).toBe(PaymentGatewayError.name);
    expect(failed.events.map((event) => event.name)).toEqual(['exception']);
    expect(failed.events[0].attributes).toMatchObject({
      'exception.message': 'gateway down',
      // The handler's own stack, not Nest's RpcException wrapper.
      'exception.stacktrace': expect.stringContaining('at SagaHandlers.cancel') as unknown,
    });
    expect(byName('process orders.created').status.code).toBe(SpanStatusCode.UNSET);
  });

  it("gives each handler's log lines its process span's ids", () => {
    expect(saga.log.entries).toEqual([
      { subject: 'orders.created', fields: { trace_id: byName('POST').spanContext().traceId, span_id: idOf('process orders.created') } },
      { subject: 'inventory.reserved', fields: { trace_id: byName('POST').spanContext().traceId, span_id: idOf('process inventory.reserved') } },
      { subject: 'payments.failed', fields: { trace_id: byName('POST').spanContext().traceId, span_id: idOf('process payments.failed') } },
    ]);
  });

  it('reports the matched route to the HTTP instrumentation', () => {
    expect(route).toBe('/orders');
  });
});
