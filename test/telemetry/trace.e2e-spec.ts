import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Subjects } from '@app/contracts';
import { MessagingAttributes as A, MessagingMetricNames as M } from '@app/telemetry';

import type { Json } from '../support/json';
import type { ServiceName, ServiceProcess } from '../support/stack';
import { eventually, finalOrder, getJson, postOrder, type RunningSystem, startSystem } from '../support/system';
import { type ExportedSpan, type OtlpReceiver, OtlpSpanKind as Kind, startOtlpReceiver } from './support/otlp-receiver';
import { parsePrometheusText, prometheusName } from './support/prometheus-text';

const SERVICES: readonly ServiceName[] = ['order-service', 'inventory-service', 'payment-service', 'notification-service'];

/**
 * Every message hop of a confirmed order: who consumes which subject, published by whom. Each consumer's
 * `process` span must be a child of the producer's `send` span (DESIGN.md "Telemetry conventions").
 */
const HOPS: readonly { subject: string; producer: ServiceName; consumer: ServiceName }[] = [
  { subject: Subjects.OrderCreated, producer: 'order-service', consumer: 'inventory-service' },
  { subject: Subjects.InventoryReserved, producer: 'inventory-service', consumer: 'payment-service' },
  { subject: Subjects.InventoryReserved, producer: 'inventory-service', consumer: 'order-service' },
  { subject: Subjects.PaymentCompleted, producer: 'payment-service', consumer: 'order-service' },
  { subject: Subjects.OrderConfirmed, producer: 'order-service', consumer: 'inventory-service' },
  { subject: Subjects.OrderConfirmed, producer: 'order-service', consumer: 'notification-service' },
  { subject: Subjects.NotificationSent, producer: 'notification-service', consumer: 'order-service' },
];

/** Which handler's publish caused which event: `send <next>` is a child of `process <cause>` in the same service. */
const CAUSES: readonly { service: ServiceName; handles: string; publishes: string }[] = [
  { service: 'inventory-service', handles: Subjects.OrderCreated, publishes: Subjects.InventoryReserved },
  { service: 'payment-service', handles: Subjects.InventoryReserved, publishes: Subjects.PaymentCompleted },
  { service: 'order-service', handles: Subjects.PaymentCompleted, publishes: Subjects.OrderConfirmed },
  { service: 'notification-service', handles: Subjects.OrderConfirmed, publishes: Subjects.NotificationSent },
];

const durable = (service: string, subject: string) => `${service}__${subject.replace(/\./g, '_')}`;
/**
 * Acceptance of issue 4 against the four real services: spans exported over OTLP/HTTP (JSON) to a receiver the
 * test runs, `GET /metrics` on every app, trace ids in the JSON log lines.
 */
describe('telemetry of the running system (OTLP receiver, /metrics, correlated logs)', () => {
  let receiver: OtlpReceiver;
  let system: RunningSystem;
  let api: string;
  /** Mutable on purpose: `system.startService` reads it again when payment-service is restarted (last describe). */
  const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {};
  let order: { id: string; history: { type: string; eventId: string }[] };
  let orderTrace: ExportedSpan[];
  let traceId: string;

  const describeSpans = (spans: ExportedSpan[]) =>
    spans.map((s) => `${s.service} ${s.traceId.slice(0, 8)} ${s.spanId} <- ${s.parentSpanId ?? 'root'} kind=${s.kind} ${s.name}`).join('\n');

  /** The trace(s) holding the send spans of an order's events (found by message id = CloudEvent id). */
  const traceIdsOf = (eventIds: readonly string[]) =>
    new Set(
      receiver
        .spans()
        .filter((s) => s.kind === Kind.PRODUCER && eventIds.includes(String(s.attributes[A.MESSAGE_ID])))
        .map((s) => s.traceId),
    );

  const find = (spans: ExportedSpan[], service: ServiceName, name: string, kind: number) =>
    spans.filter((s) => s.service === service && s.name === name && s.kind === kind);

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    system = await startSystem({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        // JSON so the receiver can read it without protobuf definitions (telemetry.config.ts; the trace exporter
        // reads the same variable through the SDK).
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // /metrics is served regardless; no push exporter needed.
        OTEL_METRICS_EXPORTER: 'none',
        // info: the HTTP request lines of pino-http; warn and up: the handlers' own lines.
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      serviceEnv,
    });
    api = system.url('order-service');

    const created = await postOrder(api, {
      customerId: `c-${randomUUID().slice(0, 8)}`,
      currency: 'EUR',
      items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 1250 }],
    });
    expect(created.status).toBe(201);
    const final = await finalOrder(api, created.body.id, 45_000, system.logs);
    expect(final.status).toBe('CONFIRMED');
    order = await eventually(
      async () => {
        const { body } = await getJson(`${api}/orders/${created.body.id}`);
        return body.history.some((h: { type: string }) => h.type === Subjects.NotificationSent) ? body : undefined;
      },
      30_000,
      () => `notifications.sent never reached the history of order ${created.body.id}`,
    );

    // Spans arrive in batches from four processes: wait until every hop and the HTTP request are there.
    const eventIds = order.history.map((h) => h.eventId);
    orderTrace = await eventually(
      async () => {
        const ids = traceIdsOf(eventIds);
        if (ids.size !== 1) return undefined;
        const [id] = ids;
        const spans = receiver.spans().filter((s) => s.traceId === id);
        const complete =
          find(spans, 'order-service', 'POST /orders', Kind.SERVER).length === 1 &&
          HOPS.every(
            (hop) =>
              find(spans, hop.consumer, `process ${hop.subject}`, Kind.CONSUMER).length > 0 &&
              find(spans, hop.producer, `send ${hop.subject}`, Kind.PRODUCER).length > 0,
          );
        return complete ? spans : undefined;
      },
      30_000,
      () =>
        `the order's trace never became complete; trace ids of its sends: ${[...traceIdsOf(eventIds)].join(', ')}; ` +
        `rejected exports: ${receiver.rejected().join('; ') || 'none'}\n` +
        describeSpans(receiver.spans().filter((s) => s.scope === '@app/telemetry/messaging' || s.kind === Kind.SERVER)),
    );
    traceId = orderTrace[0].traceId;
  }, 150_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  }, 60_000);

  it('exports one trace per order, holding spans of all four services and the HTTP request that placed it', () => {
    expect(receiver.rejected()).toEqual([]);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(orderTrace.map((s) => s.service))).toEqual(new Set(SERVICES));

    // Every messaging span about one of the order's events, in any service, is in this one trace.
    const eventIds = new Set(order.history.map((h) => h.eventId));
    const aboutOrder = receiver.spans().filter((s) => eventIds.has(String(s.attributes[A.MESSAGE_ID])));
    expect(aboutOrder.length).toBeGreaterThanOrEqual(HOPS.length + CAUSES.length + 1);
    expect(new Set(aboutOrder.map((s) => s.traceId))).toEqual(new Set([traceId]));

    // The HTTP server span of POST /orders is the root, and the first publish descends from it.
    const [request] = find(orderTrace, 'order-service', 'POST /orders', Kind.SERVER);
    expect(request.parentSpanId).toBeUndefined();
    expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/orders', 'http.response.status_code': 201 });
    const byId = new Map(orderTrace.map((s) => [s.spanId, s]));
    const ancestors = (span: ExportedSpan): string[] => {
      const chain: string[] = [];
      for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) {
        chain.push(parent.spanId);
      }
      return chain;
    };
    const [firstSend] = find(orderTrace, 'order-service', `send ${Subjects.OrderCreated}`, Kind.PRODUCER);
    expect(ancestors(firstSend)).toContain(request.spanId);
  });

  it('makes every process span a child of (and linked to) the send span of the same message', () => {
    const byId = new Map(orderTrace.map((s) => [s.spanId, s]));
    const consumers = orderTrace.filter((s) => s.kind === Kind.CONSUMER);
    expect(consumers.length).toBeGreaterThanOrEqual(HOPS.length);

    for (const process of consumers) {
      const subject = process.name.replace(/^process /, '');
      expect(process.name).toBe(`process ${subject}`);
      const parent = process.parentSpanId ? byId.get(process.parentSpanId) : undefined;
      expect({ process: process.name, parent: parent && { name: parent.name, kind: parent.kind } }).toEqual({
        process: process.name,
        parent: { name: `send ${subject}`, kind: Kind.PRODUCER },
      });
      expect(process.links).toContainEqual({ traceId, spanId: parent!.spanId });
      expect(process.attributes).toMatchObject({
        [A.SYSTEM]: 'nats',
        [A.DESTINATION_NAME]: subject,
        [A.OPERATION_TYPE]: 'process',
        [A.OPERATION_NAME]: 'process',
        [A.CONSUMER_GROUP_NAME]: durable(process.service, subject),
        [A.MESSAGE_ID]: parent!.attributes[A.MESSAGE_ID],
        [A.NATS_STREAM]: parent!.attributes[A.NATS_STREAM],
        [A.NATS_SEQUENCE]: parent!.attributes[A.NATS_SEQUENCE],
        [A.NATS_DELIVERY_COUNT]: 1,
        [A.NATS_REDELIVERED]: false,
      });
      expect(process.attributes[A.MESSAGE_BODY_SIZE]).toBeGreaterThan(0);
      expect(process.status.code).not.toBe(2); // ERROR
    }

    for (const send of orderTrace.filter((s) => s.kind === Kind.PRODUCER)) {
      const subject = send.name.replace(/^send /, '');
      expect(send.attributes).toMatchObject({
        [A.SYSTEM]: 'nats',
        [A.DESTINATION_NAME]: subject,
        [A.OPERATION_TYPE]: 'send',
        [A.OPERATION_NAME]: 'send',
        [A.NATS_DUPLICATE]: false,
      });
      expect(send.attributes[A.MESSAGE_ID]).toEqual(expect.any(String));
      expect(send.attributes[A.NATS_STREAM]).toEqual(expect.any(String));
      expect(send.attributes[A.NATS_SEQUENCE]).toBeGreaterThan(0);
    }

    // The exact hops of a confirmed order, and each publish nested under the handler that caused it.
    for (const hop of HOPS) {
      const [process] = find(orderTrace, hop.consumer, `process ${hop.subject}`, Kind.CONSUMER);
      expect(byId.get(process.parentSpanId!)?.service).toBe(hop.producer);
    }
    for (const cause of CAUSES) {
      const [send] = find(orderTrace, cause.service, `send ${cause.publishes}`, Kind.PRODUCER);
      const [handler] = find(orderTrace, cause.service, `process ${cause.handles}`, Kind.CONSUMER);
      expect({ send: send.name, parent: send.parentSpanId }).toEqual({ send: send.name, parent: handler.spanId });
    }
  });

  it('serves the messaging series on GET /metrics of every app as valid Prometheus text', async () => {
    const counters = [M.SENT_MESSAGES, M.CONSUMED_MESSAGES].map((name) => prometheusName(name, 'counter'));
    const histograms = [M.PROCESS_DURATION, M.OPERATION_DURATION].map((name) => prometheusName(name, 'histogram'));

    for (const service of SERVICES) {
      const response = await fetch(`${system.url(service)}/metrics`);
      const text = await response.text();
      expect({ service, status: response.status }).toEqual({ service, status: 200 });
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);

      const { families, errors } = parsePrometheusText(text);
      expect({ service, errors }).toEqual({ service, errors: [] });
      for (const name of counters) expect({ service, name, type: families.get(name)?.type }).toEqual({ service, name, type: 'counter' });
      for (const name of histograms) expect({ service, name, type: families.get(name)?.type }).toEqual({ service, name, type: 'histogram' });

      // Every app both consumed and published this order's events.
      const consumed = families.get(prometheusName(M.CONSUMED_MESSAGES, 'counter'))!.samples;
      expect(consumed).toContainEqual(
        expect.objectContaining({
          // One series per consumer and settlement outcome (the consumed counter carries the outcome).
          labels: expect.objectContaining({
            messaging_system: 'nats',
            messaging_consumer_group_name: expect.stringMatching(`^${service}__`),
            messaging_nats_outcome: 'ack',
          }),
          value: expect.any(Number),
        }),
      );
      expect(consumed.every((sample) => sample.value >= 1)).toBe(true);
      const sent = families.get(prometheusName(M.SENT_MESSAGES, 'counter'))!.samples;
      expect(sent.some((sample) => sample.labels.messaging_operation_name === 'send' && sample.value >= 1)).toBe(true);
      const processed = families.get(prometheusName(M.PROCESS_DURATION, 'histogram'))!.samples;
      expect(processed.some((sample) => sample.labels.le === '10')).toBe(true); // the convention's last bucket
    }
  });

  /** The relay's periodic sweeps run in their own traces, not in the trace of the request that woke it. */
  it('keeps the outbox relay background sweeps out of the order trace', async () => {
    // Sweeps run every second (DEFAULTS.sweepIntervalMs); after a few, none may have joined the finished trace.
    const quietFrom = BigInt(Date.now()) * 1_000_000n;
    await sleep(3_000);
    await eventually(
      () => Promise.resolve(receiver.spans().some((s) => s.startNs > quietFrom + 2_000_000_000n) ? true : undefined),
      10_000,
      () => 'no spans exported after the wait',
    );
    const late = receiver.spans().filter((s) => s.traceId === traceId && s.startNs > quietFrom);
    expect(describeSpans(late)).toBe('');
  }, 30_000);

  it('writes the order trace id into the log line of the HTTP request that placed it', () => {
    const requestLine = jsonLines(system.services.get('order-service')!.output()).find(
      (line) => line.req?.method === 'POST' && line.req?.url === '/orders',
    );
    expect(requestLine).toMatchObject({ service: 'order-service', trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  /**
   * No handler logs on the happy path, and no handler fails there: payment-service is restarted with its gateway
   * always failing and two deliveries allowed. The first delivery throws (Nest logs the error, the message is
   * nak'ed), the second is the last, so PaymentsService logs a warning and fails the payment; the order is cancelled.
   */
  describe('a handler that fails, then handles the redelivery (payment gateway down)', () => {
    let payment: ServiceProcess;
    let failedOrderId: string;
    let deliveries: ExportedSpan[];

    beforeAll(async () => {
      serviceEnv['payment-service'] = { PAYMENT_GATEWAY_FAILURE_RATE: '1', NATS_MAX_DELIVER: '2' };
      await system.services.get('payment-service')!.stop('SIGTERM', 15_000);
      payment = await system.startService('payment-service');

      const created = await postOrder(api, {
        customerId: 'c-gateway-down',
        currency: 'EUR',
        items: [{ sku: 'SKU-002', quantity: 1, unitPrice: 500 }],
      });
      expect(created.status).toBe(201);
      failedOrderId = created.body.id;
      const final = await finalOrder(api, failedOrderId, 45_000, system.logs);
      expect(final).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });

      const createdEventId = final.history.find((h: { type: string }) => h.type === Subjects.OrderCreated)!.eventId as string;
      deliveries = await eventually(
        async () => {
          const ids = traceIdsOf([createdEventId]);
          if (ids.size !== 1) return undefined;
          const [id] = ids;
          const found = find(
            receiver.spans().filter((s) => s.traceId === id),
            'payment-service',
            `process ${Subjects.InventoryReserved}`,
            Kind.CONSUMER,
          );
          return found.length === 2
            ? found.sort((a, b) => Number(a.attributes[A.NATS_DELIVERY_COUNT]) - Number(b.attributes[A.NATS_DELIVERY_COUNT]))
            : undefined;
        },
        30_000,
        () =>
          `expected two payment-service deliveries in the trace of order ${failedOrderId}\n${describeSpans(receiver.spans().filter((s) => s.kind >= Kind.PRODUCER))}`,
      );
    }, 90_000);

    it('records the exception on the failed delivery and makes the redelivery visible, both under the same send', () => {
      const [first, second] = deliveries;
      expect(first.traceId).not.toBe(traceId);
      expect(second.traceId).toBe(first.traceId);
      expect(second.parentSpanId).toBe(first.parentSpanId);

      expect(first.attributes).toMatchObject({ [A.NATS_DELIVERY_COUNT]: 1, [A.NATS_REDELIVERED]: false, 'error.type': 'DependencyUnavailableError' });
      expect(first.status).toMatchObject({ code: 2, message: expect.stringContaining('payment-gateway is unavailable') }); // ERROR
      expect(first.events).toContainEqual({
        name: 'exception',
        attributes: expect.objectContaining({ 'exception.message': expect.stringContaining('payment-gateway is unavailable') }),
      });

      expect(second.attributes).toMatchObject({ [A.NATS_DELIVERY_COUNT]: 2, [A.NATS_REDELIVERED]: true });
      expect(second.attributes['error.type']).toBeUndefined();
      expect(second.status.code).toBe(0); // UNSET
      expect(second.events.map((event) => event.name)).toContain('messaging.nats.redelivery');
    });

    it("writes the message's trace id (and the delivery's span id) into the log lines its handler writes", () => {
      const [first, second] = deliveries;
      const lines = jsonLines(payment.output());
      // Nest's RPC exception handler logs the first delivery's error while the process span is active.
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 50, context: 'RpcExceptionsHandler', trace_id: first.traceId, span_id: first.spanId }),
      );
      // PaymentsService's own warning on the last delivery.
      expect(lines).toContainEqual(
        expect.objectContaining({
          service: 'payment-service',
          context: 'PaymentsService',
          msg: expect.stringContaining(`unavailable on the last delivery for order ${failedOrderId}`),
          trace_id: second.traceId,
          span_id: second.spanId,
        }),
      );
    });

    /** The transport's own lines about a message (nak, dead letter, handled) name the message's trace. */
    it("writes the message's trace id into the transport's nak warning too", () => {
      const [first] = deliveries;
      const nak = jsonLines(payment.output()).find(
        (line) => String(line.context).startsWith('JetStreamConsumer') && /delivery 1\/2 failed/.test(String(line.msg)),
      );
      expect(nak).toBeDefined();
      expect(nak).toMatchObject({ trace_id: first.traceId });
    });
  });
});

/** The JSON lines of a service's captured output (pino, LOG_FORMAT=json); other lines are skipped. */
function jsonLines(output: string): Json[] {
  const lines: Json[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      // a line cut by the capture buffer
    }
  }
  return lines;
}
