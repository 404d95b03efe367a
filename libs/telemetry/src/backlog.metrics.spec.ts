import { sleep } from '@app/messaging';
import { trace } from '@opentelemetry/api';

import { BacklogMetrics, type BacklogSources } from './backlog.metrics';
import { BacklogMetricNames as N } from './telemetry.constants';
import { renderPrometheusMetrics } from './telemetry.registry';
import { createInMemoryTelemetry, type InMemoryTelemetry, metricPoint, metricPoints } from './testing';

/** The value of the first sample of a family in Prometheus text (the exporter adds an `otel_scope_name` label). */
function sample(text: string, family: string): number | undefined {
  const line = new RegExp(`^${family}(\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return line ? Number(line[2]) : undefined;
}

const LAG = { stream: 'ORDERS', durable: 'inventory-service__orders_created', subject: 'orders.created', pending: 7, ackPending: 3 };

describe('BacklogMetrics', () => {
  let telemetry: InMemoryTelemetry;
  let backlog: BacklogMetrics | undefined;

  beforeEach(() => {
    telemetry = createInMemoryTelemetry();
  });

  afterEach(async () => {
    backlog?.stop();
    backlog = undefined;
    await telemetry.shutdown();
  });

  const start = (sources: BacklogSources, intervalMs = 5000, timeoutMs = 2000) => {
    backlog = new BacklogMetrics(sources, { intervalMs, timeoutMs });
    return backlog;
  };

  it('reports the last readings of every source with the consumer and DLQ labels', async () => {
    await start({
      consumers: async () => [LAG],
      outbox: async () => ({ unsent: 2, oldestAgeSeconds: 1.5 }),
      deadLetters: async () => ({ service: 'inventory-service', depth: 4 }),
    }).refresh();

    const collected = await telemetry.collectMetrics();
    const consumer = {
      'messaging.nats.stream': 'ORDERS',
      'messaging.consumer.group.name': LAG.durable,
      'messaging.destination.name': 'orders.created',
    };
    expect(metricPoint(collected, N.CONSUMER_PENDING, consumer)?.value).toBe(7);
    expect(metricPoint(collected, N.CONSUMER_ACK_PENDING, consumer)?.value).toBe(3);
    expect(metricPoints(collected, N.OUTBOX_ROWS).map((p) => p.value)).toEqual([2]);
    expect(metricPoints(collected, N.OUTBOX_OLDEST_AGE).map((p) => p.value)).toEqual([1.5]);
    expect(metricPoint(collected, N.DLQ_DEPTH, { 'messaging.nats.dlq.service': 'inventory-service' })?.value).toBe(4);

    const text = await renderPrometheusMetrics();
    expect(text).toContain(
      'messaging_consumer_pending{messaging_system="nats",messaging_nats_stream="ORDERS",' +
        `messaging_consumer_group_name="${LAG.durable}",messaging_destination_name="orders.created",`,
    );
    expect(sample(text, 'outbox_oldest_unsent_age_seconds')).toBe(1.5);
    expect(text).toMatch(/^messaging_dlq_depth\{messaging_system="nats",messaging_nats_dlq_service="inventory-service",.*\} 4$/m);
  });

  it('answers a scrape at once while a source hangs, and gives up on the read after the timeout', async () => {
    const metrics = start({ consumers: () => new Promise(() => undefined), outbox: async () => ({ unsent: 0, oldestAgeSeconds: 0 }) }, 5000, 100);
    const refreshed = metrics.refresh();

    const started = Date.now();
    const text = await renderPrometheusMetrics();
    expect(Date.now() - started).toBeLessThan(100);
    expect(sample(text, 'messaging_consumer_pending')).toBeUndefined();

    await refreshed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sample(await renderPrometheusMetrics(), 'outbox_backlog_rows')).toBe(0);
  });

  it('keeps the last reading through a failed read, and reports NaN (unknown) once it is stale', async () => {
    let failing = false;
    const outbox = async () => {
      if (failing) throw new Error('database down');
      return { unsent: 5, oldestAgeSeconds: 12 };
    };
    const metrics = start({ outbox }, 100, 50);
    await metrics.refresh();
    failing = true;
    await metrics.refresh();
    expect(sample(await renderPrometheusMetrics(), 'outbox_backlog_rows')).toBe(5);

    // Stale after three intervals plus the timeout (350 ms).
    await sleep(400);
    await metrics.refresh();
    expect(await renderPrometheusMetrics()).toMatch(/^outbox_backlog_rows\{[^}]*\} NaN$/m);

    failing = false;
    await metrics.refresh();
    expect(sample(await renderPrometheusMetrics(), 'outbox_backlog_rows')).toBe(5);
  });

  it('never fails a refresh or a scrape when a source throws synchronously', async () => {
    const metrics = start({
      consumers: () => {
        throw new Error('not connected');
      },
    });
    await expect(metrics.refresh()).resolves.toBeUndefined();
    expect(sample(await renderPrometheusMetrics(), 'messaging_consumer_pending')).toBeUndefined();
  });

  it('refreshes in the background once started, and stops reading after stop()', async () => {
    let reads = 0;
    const metrics = start({ deadLetters: async () => ({ service: 'order-service', depth: ++reads }) }, 50);
    metrics.start();
    await sleep(180);
    const depth = metricPoints(await telemetry.collectMetrics(), N.DLQ_DEPTH)[0]?.value as number;
    expect(depth).toBeGreaterThanOrEqual(3);

    metrics.stop();
    const readsAtStop = reads;
    await sleep(120);
    expect(reads).toBe(readsAtStop);
  });

  it('reports NaN for a consumer missing from the latest reading instead of its last value', async () => {
    let lags = [LAG, { ...LAG, durable: 'inventory-service__orders_cancelled', subject: 'orders.cancelled', pending: 1 }];
    const metrics = start({ consumers: async () => lags });
    await metrics.refresh();
    await telemetry.collectMetrics();
    lags = [LAG];
    await metrics.refresh();

    const collected = await telemetry.collectMetrics();
    expect(metricPoint(collected, N.CONSUMER_PENDING, { 'messaging.consumer.group.name': LAG.durable })?.value).toBe(7);
    expect(metricPoint(collected, N.CONSUMER_PENDING, { 'messaging.consumer.group.name': 'inventory-service__orders_cancelled' })?.value).toBeNaN();
  });

  it('reads outside any trace: a background poll creates no spans', async () => {
    const tracer = trace.getTracer('test');
    await start({
      outbox: async () => {
        tracer.startSpan('select count(*) from outbox').end();
        return { unsent: 0, oldestAgeSeconds: 0 };
      },
    }).refresh();
    expect(telemetry.spans()).toEqual([]);
  });
});
