import { randomUUID } from 'node:crypto';

import { CloudEvent } from 'cloudevents';
import { connect, headers as natsHeaders, type Msg, type NatsConnection } from 'nats';

import { HOSTILE_BODIES, NORMALISED_BODIES } from '../support/hostile-bodies';
import type { Json } from '../support/json';
import { type FinalOrder, outsideEffects, outsideProblems as outsideProblemsOf } from '../support/outside-effects';
import { problemDocumentFaults } from '../support/problem-documents';
import { eventually, finalOrder, getJson, postOrder, type RunningSystem, startSystem } from '../support/system';

/**
 * The order saga end to end: four services as separate processes, a NATS server of the test's own, a fresh
 * PostgreSQL database. Every event on the wire is captured (core subscription on all subjects) so the tests can
 * check what was published, not only the final states.
 */
describe('order saga (four services, real NATS and PostgreSQL)', () => {
  let system: RunningSystem;
  let api: string;
  let wire: NatsConnection;
  const captured: Msg[] = [];

  beforeAll(async () => {
    system = await startSystem({ serviceEnv: { 'payment-service': { PAYMENT_DECLINE_ABOVE: '500000' } } });
    api = system.url('order-service');
    wire = await connect({ servers: system.natsUrl, name: 'saga-test-observer', maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    wire.subscribe('>', { callback: (_, msg) => captured.push(msg) });
  }, 240_000);

  afterAll(async () => {
    await wire?.close();
    await system?.stop();
  }, 60_000);

  const eventsFor = (orderId: string) =>
    captured
      .filter((m) => !m.subject.startsWith('$') && !m.subject.startsWith('_'))
      .map((m) => ({ msg: m, event: m.json<Json>() }))
      .filter(({ event }) => event?.data?.orderId === orderId);

  const order = (items: { sku: string; quantity: number; unitPrice: number }[], customerId = `c-${randomUUID().slice(0, 8)}`) => ({
    customerId,
    currency: 'EUR',
    items,
  });

  async function stock(sku: string) {
    const { status, body } = await getJson(`${system.url('inventory-service')}/inventory/${sku}`);
    expect(status).toBe(200);
    return body as { sku: string; available: number; reserved: number };
  }

  /** What the gateway and the provider did for these orders, checked against each order's outcome. */
  const outsideProblems = (orders: FinalOrder[]) => outsideProblemsOf(system.database.url, orders);

  /** Charges the gateway made for one order. */
  async function charges(orderId: string): Promise<number> {
    return (await outsideEffects(system.database.url, [orderId])).get(orderId)!.charges.length;
  }

  /** Waits until the durable consumer has acknowledged the stream message `seq`: the message was handled. */
  async function handled(stream: string, durable: string, seq: number): Promise<void> {
    const jsm = await wire.jetstreamManager();
    await eventually(
      async () => ((await jsm.consumers.info(stream, durable)).ack_floor.stream_seq >= seq ? true : undefined),
      30_000,
      () => `${durable} never acknowledged ${stream} #${seq}`,
    );
  }

  it('confirms a stocked order, records every step, and publishes one trace of CloudEvents', async () => {
    const created = await postOrder(
      api,
      order([
        { sku: 'SKU-001', quantity: 2, unitPrice: 1250 },
        { sku: 'SKU-002', quantity: 1, unitPrice: 999 },
      ]),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING', totalAmount: 3499, currency: 'EUR' });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);

    const final = await finalOrder(api, created.body.id, 60_000, system.logs);
    expect(final.status).toBe('CONFIRMED');
    const notified = await eventually(
      async () => {
        const { body } = await getJson(`${api}/orders/${created.body.id}`);
        return body.history.some((h: { type: string }) => h.type === 'notifications.sent') ? body : undefined;
      },
      30_000,
      () => 'notifications.sent never reached the order history',
    );
    expect(notified.history.map((h: { type: string }) => h.type)).toEqual(
      expect.arrayContaining(['orders.created', 'inventory.reserved', 'payments.completed', 'orders.confirmed', 'notifications.sent']),
    );

    const events = eventsFor(created.body.id);
    expect(events.map((e) => e.event.type)).toEqual(
      expect.arrayContaining(['orders.created', 'inventory.reserved', 'payments.completed', 'orders.confirmed', 'notifications.sent']),
    );
    // Every event is a valid CloudEvent for the official SDK in strict mode.
    for (const { event } of events) expect(() => new CloudEvent(event, true)).not.toThrow();
    // One connected trace: every event of this order carries the same W3C trace id across all four services.
    const traceIds = new Set(events.map(({ msg }) => msg.headers?.get('traceparent')?.split('-')[1]));
    expect([...traceIds]).toHaveLength(1);
    expect([...traceIds][0]).toMatch(/^[0-9a-f]{32}$/);
    // One correlation id for the whole saga, and each event names its cause: the event it was produced from.
    expect(new Set(events.map((e) => e.event.correlationid)).size).toBe(1);
    const idOf = (type: string) => events.find((e) => e.event.type === type)?.event.id;
    const causes = Object.fromEntries(events.map(({ event }) => [event.type, event.causationid ?? null]));
    expect(causes).toEqual({
      'orders.created': null,
      'inventory.reserved': idOf('orders.created'),
      'payments.completed': idOf('inventory.reserved'),
      'orders.confirmed': idOf('payments.completed'),
      'notifications.sent': idOf('orders.confirmed'),
    });
    // The gateway charged the total once; the provider sent one order-confirmed message.
    expect(await outsideProblems([notified])).toEqual([]);
    expect((await outsideEffects(system.database.url, [created.body.id])).get(created.body.id)).toMatchObject({
      charges: [{ amount: 3499 }],
      deliveries: ['order-confirmed'],
    });
  }, 120_000);

  it('cancels an order for an unknown SKU with reason UNKNOWN_SKU', async () => {
    const created = await postOrder(api, order([{ sku: 'SKU-NOPE', quantity: 1, unitPrice: 100 }]));
    expect(created.status).toBe(201);
    const final = await finalOrder(api, created.body.id, 60_000, system.logs);
    expect(final).toMatchObject({ status: 'CANCELLED', reason: 'UNKNOWN_SKU' });
    expect(final.history.map((h: { type: string }) => h.type)).toEqual(
      expect.arrayContaining(['orders.created', 'inventory.rejected', 'orders.cancelled']),
    );
    await eventually(
      async () => ((await outsideProblems([final])).length === 0 ? true : undefined),
      30_000,
      () => 'the cancellation was not sent exactly once',
    );
    expect(await charges(final.id)).toBe(0);
  });

  it('cancels an order for more than the stock with reason OUT_OF_STOCK, reserving nothing', async () => {
    const before = await stock('SKU-003');
    const created = await postOrder(
      api,
      order([
        { sku: 'SKU-003', quantity: 1, unitPrice: 100 },
        { sku: 'SKU-004', quantity: 999, unitPrice: 100 },
      ]),
    );
    const final = await finalOrder(api, created.body.id, 60_000, system.logs);
    expect(final).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expect(await stock('SKU-003')).toEqual(before);
  });

  it('cancels a declined payment and gives the reserved stock back', async () => {
    const before = await stock('SKU-006');
    const created = await postOrder(api, order([{ sku: 'SKU-006', quantity: 3, unitPrice: 200_000 }])); // 600000 > 500000
    const final = await finalOrder(api, created.body.id, 60_000, system.logs);
    expect(final).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    await eventually(
      async () => {
        const now = await stock('SKU-006');
        return now.available === before.available && now.reserved === before.reserved ? now : undefined;
      },
      30_000,
      () => 'stock of SKU-006 did not come back',
    );
    expect(eventsFor(created.body.id).map((e) => e.event.type)).toContain('inventory.released');
    // Declined: never charged, told once.
    await eventually(
      async () => ((await outsideProblems([final])).length === 0 ? true : undefined),
      30_000,
      () => 'the decline was not sent exactly once',
    );
    expect(await charges(final.id)).toBe(0);
  });

  it('stock 100 and 120 concurrent one-unit orders: exactly 100 confirmed and 20 cancelled', async () => {
    const responses = await Promise.all(Array.from({ length: 120 }, () => postOrder(api, order([{ sku: 'SKU-010', quantity: 1, unitPrice: 500 }]))));
    expect(responses.map((r) => r.status)).toEqual(Array(120).fill(201));
    const finals = await Promise.all(responses.map((r) => finalOrder(api, r.body.id, 120_000, system.logs)));
    const confirmed = finals.filter((o) => o.status === 'CONFIRMED');
    const cancelled = finals.filter((o) => o.status === 'CANCELLED');
    expect(confirmed).toHaveLength(100);
    expect(cancelled).toHaveLength(20);
    expect(cancelled.every((o) => o.reason === 'OUT_OF_STOCK')).toBe(true);
    await eventually(
      async () => ((await stock('SKU-010')).reserved === 0 ? true : undefined),
      30_000,
      () => 'reservations not committed',
    );
    expect(await stock('SKU-010')).toEqual({ sku: 'SKU-010', available: 0, reserved: 0 });
    // Each confirmed order charged once, no cancelled one charged, every customer told once.
    let problems: string[] = [];
    await eventually(
      async () => ((problems = await outsideProblems(finals)).length === 0 ? true : undefined),
      60_000,
      () => problems.slice(0, 10).join('\n'),
    );
  }, 180_000);

  it('an event republished under a new message id, or again under a new event id, reserves and charges once', async () => {
    const created = await postOrder(api, order([{ sku: 'SKU-007', quantity: 2, unitPrice: 300 }]));
    await finalOrder(api, created.body.id, 60_000, system.logs);
    const stockAfter = await stock('SKU-007');
    expect(await charges(created.body.id)).toBe(1);
    const durables: Record<string, [string, string]> = {
      'orders.created': ['ORDERS', 'inventory-service__orders_created'],
      'inventory.reserved': ['INVENTORY', 'payment-service__inventory_reserved'],
    };
    for (const type of ['orders.created', 'inventory.reserved']) {
      const original = eventsFor(created.body.id).find((e) => e.event.type === type)!;
      // The same bytes under a new message id (JetStream's duplicate window does not catch it; the inbox must), then
      // the same step as a new event (the inbox does not catch it; the reservation and payment guards must).
      const copies = [original.msg.data, new TextEncoder().encode(JSON.stringify({ ...original.event, id: randomUUID() }))];
      for (const data of copies) {
        const h = natsHeaders();
        h.set('Nats-Msg-Id', randomUUID());
        const ack = await wire.jetstream().publish(original.msg.subject, data, { headers: h });
        // Count only once the consumer has acknowledged the copy, i.e. its handler ran to the end.
        await handled(durables[type][0], durables[type][1], ack.seq);
      }
    }
    expect(await stock('SKU-007')).toEqual(stockAfter);
    expect(await charges(created.body.id)).toBe(1);
  });

  it('the same Idempotency-Key returns the same order; a different body under it is refused with 422', async () => {
    const key = randomUUID();
    const body = order([{ sku: 'SKU-008', quantity: 1, unitPrice: 100 }]);
    const first = await postOrder(api, body, { 'idempotency-key': key });
    const second = await postOrder(api, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    const conflicting = await postOrder(api, { ...body, currency: 'USD' }, { 'idempotency-key': key });
    expect(conflicting.status).toBe(422);
    expect(conflicting.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('reads: 404 problem for an unknown id, 400 for a malformed one, list newest first with a cursor', async () => {
    const missing = await fetch(`${api}/orders/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await fetch(`${api}/orders/not-a-uuid`)).status).toBe(400);
    // A path parameter over Fastify's limit is refused before any route runs: still a problem document.
    const tooLong = await fetch(`${api}/orders/${'a'.repeat(101)}`);
    expect(tooLong.status).toBe(414);
    expect(tooLong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(problemDocumentFaults(await tooLong.json(), 414)).toEqual([]);
    expect((await getJson(`${api}/orders?customerId=%00`)).status).toBe(400);

    const customerId = `list-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await postOrder(api, order([{ sku: 'SKU-009', quantity: 1, unitPrice: 1 }], customerId))).body.id);
    const page1 = await getJson(`${api}/orders?customerId=${customerId}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
    const page2 = await getJson(`${api}/orders?customerId=${customerId}&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.items.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeUndefined();
    expect((await getJson(`${api}/orders?limit=abc`)).status).toBe(400);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await getJson(`${api}/docs-json`);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{id}']));
    expect((await fetch(`${api}/docs`)).status).toBe(200);
  });

  describe('hostile request bodies get a 4xx problem document and the service stays up', () => {
    it.each(HOSTILE_BODIES)('%s', async (_, body, headers, expected) => {
      const response = await postOrder(api, body, headers);
      expect(response.status).toBe(expected);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ status: response.status, title: expect.any(String) });
      // On the parsed document: a stack trace's newlines are escaped in the JSON text, where no search can see them.
      expect(problemDocumentFaults(response.body, response.status, [headers?.['content-type'] ?? ''])).toEqual([]);
    });

    it.each(NORMALISED_BODIES)('accepts a %s and publishes it upper-cased', async (_, body) => {
      const response = await postOrder(api, body);
      expect(response.status).toBe(201);
      expect(response.body.currency).toBe((body as { currency: string }).currency.toUpperCase());
    });

    it('lists every failing field', async () => {
      const response = await postOrder(api, { customerId: '', currency: 'EURO', items: [{ sku: '', quantity: 0, unitPrice: -1 }] });
      expect(response.status).toBe(400);
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['customerId', 'currency', 'items[0].sku', 'items[0].quantity', 'items[0].unitPrice']));
    });

    afterAll(async () => {
      expect((await fetch(`${api}/health/live`)).status).toBe(200);
    });
  });

  it('with NATS stopped the API still accepts orders, and they complete once NATS is back', async () => {
    await system.stopNats();
    const accepted = [];
    for (let i = 0; i < 5; i++) {
      const response = await postOrder(api, order([{ sku: 'SKU-005', quantity: 1, unitPrice: 100 }]));
      expect(response.status).toBe(201);
      accepted.push(response.body.id);
    }
    await eventually(
      async () => ((await fetch(`${api}/health/ready`)).status === 503 ? true : undefined),
      15_000,
      () => 'readiness did not turn 503 without NATS',
    );
    expect((await fetch(`${api}/health/live`)).status).toBe(200);
    await system.restartNats();
    const finals = await Promise.all(accepted.map((id) => finalOrder(api, id, 120_000, system.logs)));
    expect(finals.map((o) => o.status)).toEqual(Array(5).fill('CONFIRMED'));
    await eventually(
      async () => ((await fetch(`${api}/health/ready`)).status === 200 ? true : undefined),
      30_000,
      () => 'not ready again',
    );
  }, 240_000);
});
