/**
 * The order stream of the fault scenarios: a planned mix of orders (every fifth priced to be declined) posted like a
 * careful client does, retrying a failed request under the same Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Json } from '../../support/json';

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
  options: { tag: string; concurrency?: number; pauseMs?: number; retryForMs?: number; onAccepted?: (n: number) => void; signal?: AbortSignal } = {
    tag: 'x',
  },
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
        let status: number;
        let body: Json;
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
