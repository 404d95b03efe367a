/**
 * Shared pieces of the fault suite, one import for the fault files: the outcome audit (final states; lost and
 * duplicated steps counted from the outside systems' own books and the streams; stock), plus re-exports of the order
 * driver (support/order-driver.ts), the stream and consumer readers (support/streams.ts) and the summary table
 * (support/summary.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import type { Json } from '../support/json';
import { effectProblems, outsideEffects } from '../support/outside-effects';
import { eventually, getJson, type RunningSystem } from '../support/system';
import type { Accepted } from './support/order-driver';
import { storedEvents } from './support/streams';
import type { RowCounts } from './support/summary';

export {
  acceptedGate,
  type Accepted,
  DECLINE_ABOVE,
  type DriveResult,
  driveOrders,
  type PlannedOrder,
  planOrder,
  SKUS,
} from './support/order-driver';
export { consumersIdle, consumerStates, dlqCount, readStream, storedEvents } from './support/streams';
export { formatSummary, printSummary, recordRow, type RowCounts, scenario, summaryRows, type SummaryRow, testTracker } from './support/summary';

const t0 = Date.now();
/** Progress line on stderr (FAULT_QUIET=1 silences it): where a slow or stuck scenario is. */
export function step(message: string): void {
  if (process.env.FAULT_QUIET) return;
  process.stderr.write(`[faults +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
}

/** Environment for every service in fault runs: short ack wait so a killed consumer's messages come back soon. */
export const FAULT_ENV: Record<string, string> = { NATS_ACK_WAIT_MS: '5000' };

export async function sql<T = Json>(url: string, query: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(query, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface Audit {
  orders: number;
  final: number;
  lost: number;
  duplicated: number;
  /** Human-readable reasons for every lost/duplicated/wrong order (empty when all is well). */
  problems: string[];
}

const EXPECTED_TYPES_CONFIRMED = ['orders.created', 'inventory.reserved', 'payments.completed', 'orders.confirmed', 'notifications.sent'];
const ONCE_TYPES = [
  'orders.created',
  'orders.confirmed',
  'orders.cancelled',
  'inventory.reserved',
  'inventory.rejected',
  'inventory.released',
  'payments.completed',
  'payments.failed',
  'notifications.sent',
];

/**
 * Waits until every accepted order is final and its customer notified (or the timeout passes), then counts:
 * lost = not final, wrong outcome, a missing payment/reservation/notification row, a confirmed order the gateway never
 * charged, a final order the provider never notified, or a missing event in the streams;
 * duplicated = an outside effect done more often than the outcome allows, read from the gateway's and provider's own
 * books (two charges, a charge on a declined order, two messages), or more than one distinct event of one type for one
 * order in the streams (a step done twice under different event ids). The saga's tables cannot show a duplicate: one
 * row per order is all their primary keys allow.
 */
export async function auditOrders(system: RunningSystem, accepted: Accepted[], timeoutMs = 120_000): Promise<Audit> {
  const api = system.url('order-service');
  const db = system.database.url;
  const ids = accepted.map((a) => a.id);
  const problems: string[] = [];
  // 1. every order final in the API
  const deadline = Date.now() + timeoutMs;
  const statuses = new Map<string, Json>();
  for (const a of accepted) {
    for (;;) {
      const { status, body } = await getJson(`${api}/orders/${a.id}`).catch(() => ({ status: 0, body: undefined }));
      if (status === 200 && body.status !== 'PENDING') {
        statuses.set(a.id, body);
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(250);
    }
  }
  step(`audit: ${statuses.size}/${accepted.length} final`);
  // 2. every final order notified: the provider sent its message and notification-service committed it (the saga's
  // last step; a redelivery after a failed commit can come a backoff later than the message)
  await eventually(
    async () => {
      const final = [...statuses.keys()];
      const sent = await sql(
        db,
        `select count(distinct order_id)::int as n from notifications.provider_deliveries where order_id = any($1::text[])`,
        [final],
      );
      const recorded = await sql(db, `select count(distinct order_id)::int as n from notifications.notifications where order_id = any($1::uuid[])`, [
        final,
      ]);
      return sent[0].n >= statuses.size && recorded[0].n >= statuses.size ? true : undefined;
    },
    Math.max(5_000, deadline - Date.now()),
    () => 'notifications missing',
  ).catch(() => undefined);

  const rowsBy = async (table: string) => {
    const rows = await sql<{ order_id: string }>(db, `select distinct order_id::text from ${table} where order_id = any($1::uuid[])`, [ids]);
    return new Set(rows.map((r) => r.order_id));
  };
  const payments = new Map(
    (
      await sql<{ order_id: string; transaction_id: string | null }>(
        db,
        'select order_id::text, transaction_id from payments.payments where order_id = any($1::uuid[])',
        [ids],
      )
    ).map((r) => [r.order_id, r.transaction_id]),
  );
  const reservations = await rowsBy('inventory.reservations');
  const notifications = await rowsBy('notifications.notifications');
  const effects = await outsideEffects(db, ids);
  step('audit: rows and outside effects counted; reading streams');
  // Events are relayed from each service's outbox after its transaction: wait (bounded) until every final order's
  // expected events are in the streams, so a slow relay is not mistaken for a lost step (a stuck one still is).
  const missingEvents = (events: Map<string, Map<string, unknown>>) =>
    accepted.filter((a) => statuses.get(a.id)?.status === 'CONFIRMED' && EXPECTED_TYPES_CONFIRMED.some((t) => !events.get(a.id)?.has(t))).length;
  let events = await storedEvents(system.natsUrl);
  const eventsDeadline = Math.max(deadline, Date.now() + 30_000);
  while (missingEvents(events) > 0 && Date.now() < eventsDeadline) {
    await sleep(1000);
    events = await storedEvents(system.natsUrl);
  }
  step(`audit: streams read (${missingEvents(events)} order(s) missing events)`);

  let final = 0;
  let lost = 0;
  let duplicated = 0;
  for (const a of accepted) {
    const order = statuses.get(a.id);
    const whyLost: string[] = [];
    const whyDup: string[] = [];
    if (!order) whyLost.push('not final');
    else {
      final++;
      const expected = a.plan.declined ? { status: 'CANCELLED', reason: 'PAYMENT_DECLINED' } : { status: 'CONFIRMED' };
      if (order.status !== expected.status || (expected.reason && order.reason !== expected.reason)) {
        whyLost.push(`ended ${order.status}/${order.reason ?? ''}, expected ${expected.status}/${expected.reason ?? ''}`);
      }
      if (!payments.has(a.id)) whyLost.push('no payment row');
      if (!reservations.has(a.id)) whyLost.push('no reservation row');
      if (!notifications.has(a.id)) whyLost.push('no notification row');
      const outside = effectProblems({ id: a.id, status: order.status, reason: order.reason, totalAmount: order.totalAmount }, effects.get(a.id));
      whyLost.push(...outside.missing);
      whyDup.push(...outside.extra);
      const charged = effects.get(a.id)?.charges ?? [];
      if (order.status === 'CONFIRMED' && charged.length === 1 && payments.get(a.id) !== charged[0].transactionId) {
        whyLost.push(`payment row names ${payments.get(a.id)}, the gateway charged ${charged[0].transactionId}`);
      }
      if (order.status === 'CONFIRMED') {
        const types = events.get(a.id);
        const missing = EXPECTED_TYPES_CONFIRMED.filter((t) => !types?.has(t));
        if (missing.length) whyLost.push(`events missing: ${missing.join(', ')}`);
      }
    }
    for (const type of ONCE_TYPES) {
      const entry = events.get(a.id)?.get(type);
      if (entry && entry.ids.size > 1) whyDup.push(`${entry.ids.size} distinct ${type} events`);
    }
    if (whyLost.length) {
      lost++;
      problems.push(`lost ${a.id} (${a.plan.body.customerId}): ${whyLost.join('; ')}`);
    }
    if (whyDup.length) {
      duplicated++;
      problems.push(`duplicated ${a.id} (${a.plan.body.customerId}): ${whyDup.join('; ')}`);
    }
  }
  return { orders: accepted.length, final, lost, duplicated, problems };
}

/**
 * Stock conservation: for every SKU, available + reserved + units of confirmed orders = the seeded 100, and nothing
 * stays reserved once everything is final. Returns the SKUs that break it.
 */
export async function stockProblems(system: RunningSystem, seeded = 100): Promise<string[]> {
  const db = system.database.url;
  return eventually(
    async () => {
      const rows = await sql<{ sku: string; available: number; reserved: number }>(
        db,
        `select sku, available, reserved from inventory.products where sku like 'SKU-0%'`,
      );
      const sold = await sql<{ sku: string; n: number }>(
        db,
        `select item->>'sku' as sku, sum((item->>'quantity')::int)::int as n
           from inventory.reservations r, jsonb_array_elements(r.items) item
          where r.status = 'COMMITTED' group by 1`,
      );
      const soldBy = new Map(sold.map((s) => [s.sku, s.n]));
      const bad = rows
        .filter((r) => r.reserved !== 0 || r.available + (soldBy.get(r.sku) ?? 0) !== seeded)
        .map((r) => `${r.sku}: available ${r.available}, reserved ${r.reserved}, committed ${soldBy.get(r.sku) ?? 0}`);
      return bad.length === 0 ? [] : undefined;
    },
    30_000,
    () => 'stock not conserved',
  ).catch(async () => {
    const rows = await sql(db, `select sku, available, reserved from inventory.products order by sku`);
    return rows.map((r: Json) => `${r.sku}: available ${r.available}, reserved ${r.reserved}`);
  });
}

/** Is every service process still running (none crashed)? Returns the names of those that exited. */
export function exitedServices(system: RunningSystem): string[] {
  return [...system.services.values()].filter((s) => s.process.exitCode !== null || s.process.signalCode !== null).map((s) => s.name);
}

/** Throws with the audit attached (so `scenario` records the real counts) when anything was lost or duplicated. */
export function assertAudit(audit: Audit, dlq: number, extra: string[] = []): RowCounts {
  const row = { orders: audit.orders, final: audit.final, lost: audit.lost, duplicated: audit.duplicated, dlq };
  const problems = [...audit.problems, ...extra];
  if (problems.length > 0 || audit.lost > 0 || audit.duplicated > 0) {
    const error = new Error(`${problems.length} problem(s):\n${problems.slice(0, 30).join('\n')}`) as Error & { row: typeof row };
    error.row = row;
    throw error;
  }
  return row;
}
