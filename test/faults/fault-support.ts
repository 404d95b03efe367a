/**
 * Shared pieces of the fault suite: an order driver (retries with an Idempotency-Key, like a careful client), the
 * outcome audit (final states, lost, duplicated, stock and DLQ counts read from PostgreSQL and the streams), and the
 * summary table every fault file appends to and prints.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';

import { scanStream } from '../../libs/messaging/src/dlq/dead-letters';
import { eventually, getJson, type RunningSystem } from '../support/system';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const t0 = Date.now();
/** Progress line on stderr (FAULT_QUIET=1 silences it): where a slow or stuck scenario is. */
export function step(message: string): void {
  if (process.env.FAULT_QUIET) return;
  process.stderr.write(`[faults +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
}

/** Environment for every service in fault runs: short ack wait so a killed consumer's messages come back soon. */
export const FAULT_ENV: Record<string, string> = { NATS_ACK_WAIT_MS: '5000' };

/** Orders above this total are declined by payment-service (set through PAYMENT_DECLINE_ABOVE). */
export const DECLINE_ABOVE = 500_000;

export const SKUS = Array.from({ length: 10 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`);

export interface PlannedOrder {
  key: string;
  sku: string;
  quantity: number;
  declined: boolean;
  body: { customerId: string; currency: string; items: { sku: string; quantity: number; unitPrice: number }[] };
}

/** Order #i of a run: one unit of a rotating SKU; every fifth is priced to be declined (exercises compensation). */
export function planOrder(i: number, tag: string): PlannedOrder {
  const sku = SKUS[i % SKUS.length];
  const declined = i % 5 === 4;
  return {
    key: randomUUID(),
    sku,
    quantity: 1,
    declined,
    body: { customerId: `fault-${tag}-${i}`, currency: 'EUR', items: [{ sku, quantity: 1, unitPrice: declined ? DECLINE_ABOVE + 1 : 100 + i }] },
  };
}

export interface Accepted {
  id: string;
  plan: PlannedOrder;
}

export interface DriveResult {
  accepted: Accepted[];
  /** Answers other than 201 (status -> count); network errors count under 0. */
  statuses: Map<number, number>;
  /** Requests that failed and were retried under the same Idempotency-Key. */
  retries: number;
}

/**
 * Posts `count` orders with `concurrency` in flight. A request that fails (connection refused, 5xx) is retried with
 * the same Idempotency-Key until `retryForMs` passes, so a crash between commit and answer never creates a second
 * order. `onAccepted(n)` is called after each acceptance (fault injection hooks on it).
 */
export async function driveOrders(
  api: string | (() => string),
  count: number,
  options: { tag: string; concurrency?: number; pauseMs?: number; retryForMs?: number; onAccepted?: (n: number) => void; signal?: AbortSignal } = { tag: 'x' },
): Promise<DriveResult> {
  const base = typeof api === 'string' ? () => api : api;
  const result: DriveResult = { accepted: [], statuses: new Map(), retries: 0 };
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const i = next++;
      if (i >= count) return;
      const plan = planOrder(i, options.tag);
      const deadline = Date.now() + (options.retryForMs ?? 90_000);
      for (;;) {
        let status = 0;
        let body: any;
        try {
          const response = await fetch(`${base()}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': plan.key },
            body: JSON.stringify(plan.body),
            signal: AbortSignal.timeout(15_000),
          });
          status = response.status;
          body = await response.json().catch(() => undefined);
        } catch {
          status = 0;
        }
        if (status === 201 || status === 200) {
          result.accepted.push({ id: body.id, plan });
          options.onAccepted?.(result.accepted.length);
          break;
        }
        result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
        if (status !== 0 && status < 500) throw new Error(`order ${i} refused with ${status}: ${JSON.stringify(body)}`);
        if (Date.now() > deadline || options.signal?.aborted) break;
        result.retries++;
        await sleep(250);
      }
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 3 }, worker));
  return result;
}

/** Resolves once `n` orders were accepted (for fault injection in the middle of a stream). */
export function acceptedGate(n: number): { onAccepted: (count: number) => void; reached: Promise<void> } {
  let open!: () => void;
  const reached = new Promise<void>((r) => (open = r));
  return { onAccepted: (count) => count >= n && open(), reached };
}

export async function sql<T = any>(url: string, query: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(query, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every event stored in the four saga streams, grouped by order id and type (distinct event ids and copies). */
export async function storedEvents(natsUrl: string): Promise<Map<string, Map<string, { ids: Set<string>; copies: number }>>> {
  const nc = await connect({ servers: natsUrl, name: 'fault-audit' });
  try {
    const byOrder = new Map<string, Map<string, { ids: Set<string>; copies: number }>>();
    for (const stream of ['ORDERS', 'INVENTORY', 'PAYMENTS', 'NOTIFICATIONS']) {
      for (const { data } of await readStream(nc, stream)) {
        let event: any;
        try {
          event = JSON.parse(Buffer.from(data).toString('utf8'));
        } catch {
          continue; // poison injected by a test
        }
        const orderId = event?.data?.orderId;
        if (typeof orderId !== 'string' || typeof event.type !== 'string') continue;
        const types = byOrder.get(orderId) ?? new Map();
        byOrder.set(orderId, types);
        const entry = types.get(event.type) ?? { ids: new Set<string>(), copies: 0 };
        types.set(event.type, entry);
        entry.ids.add(event.id);
        entry.copies++;
      }
    }
    return byOrder;
  } finally {
    await nc.close();
  }
}

/** All messages of a stream (optionally filtered), oldest first. */
export async function readStream(nc: NatsConnection, stream: string, filter?: string): Promise<{ subject: string; data: Uint8Array; headers?: any; seq: number }[]> {
  const jsm = await nc.jetstreamManager();
  const messages = await scanStream(jsm, stream, filter ?? '>').catch((error: Error) => {
    if (/stream not found/i.test(error.message)) return [];
    throw error;
  });
  return messages.map((m) => ({ subject: m.subject, data: m.data, headers: m.header, seq: m.seq }));
}

/** Number of messages in the DLQ stream (0 when it does not exist yet). */
export async function dlqCount(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl, name: 'fault-dlq-count' });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('DLQ').catch(() => undefined);
    return info?.state.messages ?? 0;
  } finally {
    await nc.close();
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
 * Waits until every accepted order is final and notified (or the timeout passes), then counts:
 * lost = not final, wrong outcome, or missing its payment/reservation/notification rows;
 * duplicated = more than one row per order in payments/reservations/notifications-per-template, or more than one
 * distinct event of one type for one order in the streams (a step done twice under different event ids).
 */
export async function auditOrders(system: RunningSystem, accepted: Accepted[], timeoutMs = 120_000): Promise<Audit> {
  const api = system.url('order-service');
  const db = system.database.url;
  const ids = accepted.map((a) => a.id);
  const problems: string[] = [];
  // 1. every order final in the API
  const deadline = Date.now() + timeoutMs;
  const statuses = new Map<string, any>();
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
  // 2. notifications recorded for every final order (the saga's last step)
  await eventually(
    async () => {
      const rows = await sql(db, `select count(distinct order_id)::int as n from notifications.notifications where order_id = any($1::uuid[])`, [[...statuses.keys()]]);
      return rows[0].n >= statuses.size ? true : undefined;
    },
    Math.max(5_000, deadline - Date.now()),
    () => 'notifications missing',
  ).catch(() => undefined);

  const countBy = async (table: string, extra = '') => {
    const rows = await sql<{ order_id: string; n: number }>(
      db,
      `select order_id::text, count(*)::int as n from ${table} where order_id = any($1::uuid[]) ${extra} group by order_id${table.includes('notifications') ? ', template' : ''}`,
      [ids],
    );
    const map = new Map<string, number>();
    for (const r of rows) map.set(r.order_id, Math.max(map.get(r.order_id) ?? 0, r.n));
    return map;
  };
  const payments = await countBy('payments.payments');
  const reservations = await countBy('inventory.reservations');
  const notifications = await countBy('notifications.notifications');
  step('audit: rows counted; reading streams');
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
      if (!payments.get(a.id)) whyLost.push('no payment row');
      if (!reservations.get(a.id)) whyLost.push('no reservation row');
      if (!notifications.get(a.id)) whyLost.push('no notification row');
      if (order.status === 'CONFIRMED') {
        const types = events.get(a.id);
        const missing = EXPECTED_TYPES_CONFIRMED.filter((t) => !types?.has(t));
        if (missing.length) whyLost.push(`events missing: ${missing.join(', ')}`);
      }
    }
    if ((payments.get(a.id) ?? 0) > 1) whyDup.push(`${payments.get(a.id)} payments`);
    if ((reservations.get(a.id) ?? 0) > 1) whyDup.push(`${reservations.get(a.id)} reservations`);
    if ((notifications.get(a.id) ?? 0) > 1) whyDup.push(`${notifications.get(a.id)} notifications for one template`);
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
      const rows = await sql<{ sku: string; available: number; reserved: number }>(db, `select sku, available, reserved from inventory.products where sku like 'SKU-0%'`);
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
    return rows.map((r: any) => `${r.sku}: available ${r.available}, reserved ${r.reserved}`);
  });
}

/** Is every service process still running (none crashed)? Returns the names of those that exited. */
export function exitedServices(system: RunningSystem): string[] {
  return [...system.services.values()].filter((s) => s.process.exitCode !== null || s.process.signalCode !== null).map((s) => s.name);
}

// ---------------------------------------------------------------------------------------------------------------
// Summary table: rows appended to a file keyed by the jest process, printed (cumulatively) after each file.

export interface SummaryRow {
  scenario: string;
  orders: number;
  final: number;
  lost: number;
  duplicated: number;
  dlq: number;
  seconds: number;
  passed: boolean;
}

const SUMMARY_FILE = join(tmpdir(), `fault-summary-${process.pid}.jsonl`);

export function recordRow(row: SummaryRow): void {
  appendFileSync(SUMMARY_FILE, `${JSON.stringify(row)}\n`);
}

export function summaryRows(): SummaryRow[] {
  if (!existsSync(SUMMARY_FILE)) return [];
  return readFileSync(SUMMARY_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SummaryRow);
}

/** Removes summary files of earlier runs (older than 2 hours). */
function cleanOldSummaries(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!/^fault-summary-\d+\.jsonl$/.test(name)) continue;
    const path = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 2 * 3600_000) unlinkSync(path);
    } catch {
      /* raced with another run */
    }
  }
}
cleanOldSummaries();

export function formatSummary(rows: SummaryRow[]): string {
  const header = ['scenario', 'orders', 'final', 'lost', 'duplicated', 'DLQ', 'time', 'result'];
  const cells = rows.map((r) => [r.scenario, String(r.orders), String(r.final), String(r.lost), String(r.duplicated), String(r.dlq), `${r.seconds.toFixed(1)} s`, r.passed ? 'ok' : 'FAIL']);
  const totals = rows.reduce((t, r) => ({ orders: t.orders + r.orders, final: t.final + r.final, lost: t.lost + r.lost, dup: t.dup + r.duplicated, dlq: t.dlq + r.dlq, s: t.s + r.seconds }), {
    orders: 0,
    final: 0,
    lost: 0,
    dup: 0,
    dlq: 0,
    s: 0,
  });
  const total = ['total', String(totals.orders), String(totals.final), String(totals.lost), String(totals.dup), String(totals.dlq), `${totals.s.toFixed(1)} s`, rows.every((r) => r.passed) ? 'ok' : 'FAIL'];
  const widths = header.map((h, i) => Math.max(h.length, total[i].length, ...cells.map((c) => c[i].length)));
  const numeric = (i: number) => i > 0 && i < 7;
  const line = (c: string[]) => `| ${c.map((v, i) => (numeric(i) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...cells.map(line), line(total)].join('\n');
}

/** Prints the table of every row recorded so far in this jest run (the last file prints the whole suite). */
export function printSummary(title = 'fault suite summary'): void {
  const rows = summaryRows();
  if (rows.length === 0) return;
  process.stdout.write(`\n${title}\n${formatSummary(rows)}\n\n`);
}

/** Runs a scenario body, timing it and recording its row whatever happens (a failed scenario is recorded as FAIL). */
export async function scenario(name: string, body: (signal: AbortSignal) => Promise<Omit<SummaryRow, 'scenario' | 'seconds' | 'passed'>>): Promise<void> {
  const started = Date.now();
  // Aborted when the body ends, so an order stream of a failed scenario stops instead of retrying on and on.
  const controller = new AbortController();
  let row: Omit<SummaryRow, 'scenario' | 'seconds' | 'passed'> = { orders: 0, final: 0, lost: 0, duplicated: 0, dlq: 0 };
  let error: unknown;
  try {
    row = await body(controller.signal);
  } catch (e) {
    error = e;
    const partial = (e as { row?: typeof row }).row;
    if (partial) row = partial;
  }
  controller.abort();
  recordRow({ scenario: name, ...row, seconds: (Date.now() - started) / 1000, passed: error === undefined });
  if (error) throw error;
}

/** Throws with the audit attached (so `scenario` records the real counts) when anything was lost or duplicated. */
export function assertAudit(audit: Audit, dlq: number, extra: string[] = []): Omit<SummaryRow, 'scenario' | 'seconds' | 'passed'> {
  const row = { orders: audit.orders, final: audit.final, lost: audit.lost, duplicated: audit.duplicated, dlq };
  const problems = [...audit.problems, ...extra];
  if (problems.length > 0 || audit.lost > 0 || audit.duplicated > 0) {
    const error = new Error(`${problems.length} problem(s):\n${problems.slice(0, 30).join('\n')}`) as Error & { row: typeof row };
    error.row = row;
    throw error;
  }
  return row;
}
