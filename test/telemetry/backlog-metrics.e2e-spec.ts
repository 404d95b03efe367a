import { randomUUID } from 'node:crypto';

import { BacklogMetricNames as B, MessagingAttributes as A } from '@app/telemetry';
import { connect, type NatsConnection } from 'nats';

import type { ServiceName } from '../support/stack';
import { eventually, finalOrder, getJson, postOrder, type RunningSystem, startSystem } from '../support/system';
import { type MetricFamily, parsePrometheusText, prometheusName, type Sample } from './support/prometheus-text';

const SERVICES: readonly ServiceName[] = ['order-service', 'inventory-service', 'payment-service', 'notification-service'];
const PENDING = prometheusName(B.CONSUMER_PENDING, 'gauge');
const ACK_PENDING = prometheusName(B.CONSUMER_ACK_PENDING, 'gauge');
const DLQ_DEPTH = prometheusName(B.DLQ_DEPTH, 'gauge');
const OUTBOX_ROWS = prometheusName(B.OUTBOX_ROWS, 'gauge');
const OUTBOX_AGE = prometheusName(B.OUTBOX_OLDEST_AGE, 'gauge');
const label = (attribute: string) => attribute.replace(/\./g, '_');
const GROUP = label(A.CONSUMER_GROUP_NAME);
const DLQ_SERVICE = label(A.NATS_DLQ_SERVICE);
/** The gauges are re-read this often here (5 s by default), so the test waits for seconds, not tens of seconds. */
const REFRESH_MS = 300;

/**
 * Issue 19: the backlog gauges on GET /metrics of the four real services, against a NATS server and a PostgreSQL
 * database of the test's own. After an order: every bound durable consumer, the outbox and the DLQ depth are
 * reported, at zero. Then a dead letter, messages held by a handler, and a NATS outage (the outbox backlog grows
 * while /metrics keeps answering at once) each show in the series a user would alert on.
 */
describe('backlog gauges on GET /metrics (consumer lag, outbox, DLQ)', () => {
  let system: RunningSystem;
  let nc: NatsConnection | undefined;
  let api: string;

  const scrape = async (service: ServiceName): Promise<Map<string, MetricFamily>> => {
    const response = await fetch(`${system.url(service)}/metrics`, { signal: AbortSignal.timeout(2000) });
    expect(response.status).toBe(200);
    const { families, errors } = parsePrometheusText(await response.text());
    expect({ service, errors }).toEqual({ service, errors: [] });
    return families;
  };
  const samples = async (service: ServiceName, family: string): Promise<Sample[]> => (await scrape(service)).get(family)?.samples ?? [];
  const value = async (service: ServiceName, family: string, labels: Record<string, string> = {}): Promise<number | undefined> =>
    (await samples(service, family)).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  /** Waits until the gauge reads `predicate`-true (the readings refresh in the background). */
  const until = (service: ServiceName, family: string, labels: Record<string, string>, predicate: (v: number) => boolean, what: string) =>
    eventually(
      async () => {
        const v = await value(service, family, labels);
        return v !== undefined && predicate(v) ? v : undefined;
      },
      30_000,
      () => `${service} ${family}${JSON.stringify(labels)} never became ${what}\n${system.logs()}`,
    );
  const order = (sku = 'SKU-001') =>
    postOrder(api, { customerId: `c-${randomUUID().slice(0, 8)}`, currency: 'EUR', items: [{ sku, quantity: 1, unitPrice: 990 }] });

  beforeAll(async () => {
    system = await startSystem({ env: { METRICS_REFRESH_INTERVAL_MS: String(REFRESH_MS) } });
    api = system.url('order-service');
    const created = await order();
    expect(created.status).toBe(201);
    expect((await finalOrder(api, created.body.id, 45_000, system.logs)).status).toBe('CONFIRMED');
    nc = await connect({ servers: system.natsUrl });
  }, 120_000);

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await system?.stop();
  }, 60_000);

  it.each(SERVICES)('%s reports the lag of each durable it binds, its outbox and its dead letters, at zero once idle', async (service) => {
    const { body } = await getJson(`${system.url(service)}/health/ready`);
    const durables = Object.keys(body.details.consumers.consumers as object).sort();
    expect(durables.length).toBeGreaterThan(0);

    const idle = await eventually(
      async () => {
        const families = await scrape(service);
        const lag = [PENDING, ACK_PENDING].flatMap((family) => families.get(family)?.samples ?? []);
        // Idle means the last outbox row (notification.sent comes after CONFIRMED) was published and read back too.
        const outbox = families.get(OUTBOX_ROWS)?.samples ?? [];
        const quiet = lag.length === 2 * durables.length && [...lag, ...outbox].every((s) => s.value === 0);
        return quiet && outbox.length === 1 ? families : undefined;
      },
      30_000,
      () => `${service}: consumers never idle on /metrics`,
    );
    for (const family of [PENDING, ACK_PENDING]) {
      const series = idle.get(family)!;
      expect(series.type).toBe('gauge');
      expect(series.samples.map((s) => s.labels[GROUP]).sort()).toEqual(durables);
      for (const s of series.samples) {
        expect(s.labels).toMatchObject({ messaging_system: 'nats', messaging_nats_stream: expect.stringMatching(/^[A-Z]+$/) });
        expect(s.labels.messaging_destination_name).toBe(s.labels[GROUP].split('__')[1].replace('_', '.'));
      }
    }
    expect(idle.get(DLQ_DEPTH)?.samples).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ [DLQ_SERVICE]: service }), value: 0 }),
    ]);
    expect(idle.get(OUTBOX_ROWS)?.samples.map((s) => s.value)).toEqual([0]);
    expect(idle.get(OUTBOX_AGE)?.samples.map((s) => s.value)).toEqual([0]);
  });

  it('counts a dead letter in the DLQ depth of the service that parked it, and only there', async () => {
    // payments.completed has one consumer, order-service; bytes that are no event are dead-lettered at once.
    await nc!.jetstream().publish('payments.completed', new TextEncoder().encode('not an event'));

    expect(await until('order-service', DLQ_DEPTH, { [DLQ_SERVICE]: 'order-service' }, (v) => v === 1, '1')).toBe(1);
    expect(await value('payment-service', DLQ_DEPTH, { [DLQ_SERVICE]: 'payment-service' })).toBe(0);
  });

  it('shows messages a stuck handler holds as ack-pending on its durable', async () => {
    // One payment at a time, each held for 30 s after the charge: every reserved order waits in payment-service.
    await system.services.get('payment-service')!.stop('SIGTERM', 15_000);
    await system.startService('payment-service', { PAYMENT_TEST_HOLD_AFTER_CHARGE_MS: '30000', NATS_CONSUMER_CONCURRENCY: '1' });
    for (let i = 0; i < 3; i++) expect((await order('SKU-002')).status).toBe(201);

    const durable = { [GROUP]: 'payment-service__inventory_reserved' };
    expect(await until('payment-service', ACK_PENDING, durable, (v) => v === 3, '3')).toBe(3);
    expect(await value('payment-service', PENDING, durable)).toBe(0);
  }, 60_000);

  it('grows the outbox backlog while NATS is down, answers /metrics at once, and drains it when NATS is back', async () => {
    await nc!.close();
    nc = undefined;
    await system.stopNats();
    // The API stays up: the order and its event are committed together; the event waits in the outbox.
    expect((await order()).status).toBe(201);

    expect(await until('order-service', OUTBOX_ROWS, {}, (v) => v >= 1, '>= 1')).toBeGreaterThanOrEqual(1);
    expect(await until('order-service', OUTBOX_AGE, {}, (v) => v > 0, '> 0')).toBeGreaterThan(0);
    // Consumer lag cannot be read without NATS: unknown (NaN) once the last reading is stale, never a stale number.
    await until('order-service', PENDING, {}, Number.isNaN, 'NaN');
    const started = Date.now();
    await scrape('order-service');
    expect(Date.now() - started).toBeLessThan(1000);

    await system.restartNats();
    expect(await until('order-service', OUTBOX_ROWS, {}, (v) => v === 0, '0')).toBe(0);
    expect(await until('order-service', OUTBOX_AGE, {}, (v) => v === 0, '0')).toBe(0);
    await until('order-service', PENDING, {}, (v) => v >= 0, 'a number again');
  }, 90_000);
});
