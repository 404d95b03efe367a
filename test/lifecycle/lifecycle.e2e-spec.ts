import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import type { Json } from '../support/json';
import { effectProblems, outsideEffects } from '../support/outside-effects';
import { SERVICES } from '../support/stack';
import { eventually, finalOrder, getJson, postOrder, type RunningSystem, startSystem } from '../support/system';

const order = (sku = 'SKU-001', unitPrice = 100) => ({
  customerId: `c-${randomUUID().slice(0, 8)}`,
  currency: 'EUR',
  items: [{ sku, quantity: 1, unitPrice }],
});
async function rows<T = Json>(url: string, query: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(query, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function readyStatus(baseUrl: string): Promise<number> {
  return (await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) })).status;
}

/** Probes and graceful shutdown, as Kubernetes sees them, with the four services as separate processes. */
describe('production lifecycle', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('without NATS every app turns not ready while staying live, and ready again when NATS is back', async () => {
    await system.stopNats();
    for (const { name } of SERVICES) {
      await eventually(
        async () => ((await readyStatus(system.url(name))) === 503 ? true : undefined),
        15_000,
        () => `${name} stayed ready without NATS`,
      );
      expect((await fetch(`${system.url(name)}/health/live`)).status).toBe(200);
    }
    const details = await getJson(`${system.url('inventory-service')}/health/ready`);
    expect(details.body.error?.nats?.status).toBe('down');

    await system.restartNats();
    for (const { name } of SERVICES) {
      await eventually(
        async () => ((await readyStatus(system.url(name))) === 200 ? true : undefined),
        60_000,
        () => `${name} did not turn ready again`,
      );
    }
    const created = await postOrder(system.url('order-service'), order('SKU-002'));
    expect((await finalOrder(system.url('order-service'), created.body.id, 60_000, system.logs)).status).toBe('CONFIRMED');
  }, 180_000);

  it('SIGTERM to a consumer service during a stream of orders: exit 0, and after restart every order is final, none processed twice', async () => {
    const api = system.url('order-service');
    // One unit per order over eight SKUs of 100 units: however fast the machine streams, stock never runs out (one
    // SKU ran out on a fast run, cancelling orders the test expects confirmed).
    const skus = Array.from({ length: 8 }, (_, i) => `SKU-${String(i + 3).padStart(3, '0')}`);
    const levelsBefore = new Map<string, number>();
    for (const sku of skus) {
      const { body } = await getJson(`${system.url('inventory-service')}/inventory/${sku}`);
      levelsBefore.set(sku, body.available + body.reserved);
    }
    const accepted: { id: string; sku: string }[] = [];
    let streaming = true;
    const producer = (async () => {
      while (streaming && accepted.length < 700) {
        const sku = skus[accepted.length % skus.length];
        const response = await postOrder(api, order(sku, 50));
        expect(response.status).toBe(201);
        accepted.push({ id: response.body.id, sku });
        await sleep(40);
      }
    })();
    try {
      await eventually(
        () => Promise.resolve(accepted.length >= 15 ? true : undefined),
        30_000,
        () => 'orders are not being accepted',
      );
      const inventory = system.services.get('inventory-service')!;
      expect(await inventory.stop('SIGTERM', 30_000)).toBe(0);
      await sleep(1000); // orders keep arriving while inventory is away
      await system.startService('inventory-service');
      await sleep(1000);
    } finally {
      streaming = false;
      await producer;
    }

    const ids = accepted.map((a) => a.id);
    const finals = await Promise.all(ids.map((id) => finalOrder(api, id, 120_000, system.logs)));
    expect(finals.filter((o) => o.status !== 'CONFIRMED').map((o) => `${o.id}: ${o.status}/${o.reason}`)).toEqual([]);
    const reservations = await rows(system.database.url, 'select order_id from inventory.reservations where order_id = any($1)', [ids]);
    expect(reservations).toHaveLength(ids.length);
    // Charged and notified exactly once each, counted in the gateway's and provider's own logs (the payments table
    // cannot hold a second row per order, so counting it proves nothing).
    const effects = await eventually(
      async () => {
        const found = await outsideEffects(system.database.url, ids);
        return [...found.values()].every((e) => e.deliveries.length > 0) ? found : undefined;
      },
      30_000,
      () => 'not every order was notified',
    );
    expect(
      finals.flatMap((o) =>
        Object.values(effectProblems(o, effects.get(o.id)))
          .flat()
          .map((p) => `${o.id}: ${p}`),
      ),
    ).toEqual([]);
    // Each order took its unit once: a second reservation of one order would show here, not in a row count.
    for (const sku of skus) {
      const level = await getJson(`${system.url('inventory-service')}/inventory/${sku}`);
      const taken = accepted.filter((a) => a.sku === sku).length;
      expect({ sku, units: level.body.available + level.body.reserved }).toEqual({ sku, units: levelsBefore.get(sku)! - taken });
    }
  }, 240_000);
});

/** Issue 5: an unavailable payment gateway opens its breaker without failing readiness; orders wait and then finish. */
describe('payment gateway outage', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem({
      serviceEnv: {
        'payment-service': { PAYMENT_GATEWAY_FAILURE_RATE: '1', RESILIENCE_RETRY_INITIAL_DELAY_MS: '10', RESILIENCE_RETRY_MAX_DELAY_MS: '50' },
      },
    });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('no order confirms, the API keeps answering, the breaker shows open; after a restart with a healthy gateway every order ends', async () => {
    const api = system.url('order-service');
    const accepted: string[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await postOrder(api, order('SKU-004'));
      expect(response.status).toBe(201);
      accepted.push(response.body.id);
    }
    const health = await eventually(
      async () => {
        const { body } = await getJson(`${system.url('payment-service')}/health/ready`);
        return body?.details?.['payment-gateway']?.state === 'open' ? body : undefined;
      },
      60_000,
      () => 'payment-gateway breaker never reported open',
    );
    expect(health.status).toBe('ok'); // an open breaker on an outside provider does not fail readiness
    expect(health.details['payment-gateway'].status).toBe('up');
    for (const id of accepted) expect((await getJson(`${api}/orders/${id}`)).body.status).toBe('PENDING');
    expect((await getJson(`${api}/orders?limit=1`)).status).toBe(200);

    const payment = system.services.get('payment-service')!;
    expect(await payment.stop('SIGTERM', 30_000)).toBe(0);
    await system.startService('payment-service', { PAYMENT_GATEWAY_FAILURE_RATE: '0' });

    const finals = await Promise.all(accepted.map((id) => finalOrder(api, id, 150_000, system.logs)));
    for (const final of finals) {
      expect(['CONFIRMED', 'CANCELLED']).toContain(final.status);
      if (final.status === 'CANCELLED') expect(final.reason).toBe('PAYMENT_UNAVAILABLE');
    }
    // Retries and redeliveries during the outage asked the gateway under one key per order: a confirmed order was
    // charged once; one cancelled as PAYMENT_UNAVAILABLE at most once (its charge may have been made with the answer
    // lost: a known gap, no refund is made).
    const effects = await eventually(
      async () => {
        const found = await outsideEffects(system.database.url, accepted);
        return [...found.values()].every((e) => e.deliveries.length > 0) ? found : undefined;
      },
      30_000,
      () => 'not every order was notified',
    );
    expect(
      finals.flatMap((o) =>
        Object.values(effectProblems(o, effects.get(o.id)))
          .flat()
          .map((p) => `${o.id}: ${p}`),
      ),
    ).toEqual([]);
    const fresh = await postOrder(api, order('SKU-004'));
    expect((await finalOrder(api, fresh.body.id, 60_000, system.logs)).status).toBe('CONFIRMED');
  }, 300_000);
});
