/**
 * The final state a valid order's content implies, for the fuzz test: an unknown SKU cancels it (UNKNOWN_SKU), a line
 * asking for more than the seeded stock cancels it (OUT_OF_STOCK), a total above the gateway's limit is declined
 * (PAYMENT_DECLINED), anything else is confirmed. Stock only goes down, so "more than the seeded stock" is certain;
 * whether enough is left is certain too when all the orders that could reserve a SKU together fit in its stock.
 * Only past that point both outcomes are allowed, and the stock audit settles which one happened.
 */
import type { Line, ValidOrder } from './order-api-model';

export interface SagaSettings {
  /** SKUs seeded in inventory. */
  skus: ReadonlySet<string>;
  /** Units seeded per SKU. */
  stock: number;
  /** Totals above this are declined (PAYMENT_DECLINE_ABOVE). */
  declineAbove: number;
}

export interface Outcome {
  status: 'CONFIRMED' | 'CANCELLED';
  reason?: 'UNKNOWN_SKU' | 'OUT_OF_STOCK' | 'PAYMENT_DECLINED';
}

/** Quantities per SKU: inventory reserves an order's lines for one SKU together. */
export function merged(items: Line[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return totals;
}

export const totalOf = (order: ValidOrder) => order.items.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);

/** Whether an order can hold a reservation at all: every SKU known, no line beyond the seeded stock. */
function canReserve(order: ValidOrder, settings: SagaSettings): boolean {
  return [...merged(order.items)].every(([sku, q]) => settings.skus.has(sku) && q <= settings.stock);
}

/**
 * The outcomes allowed for each created order (one, or two where stock may or may not have run out), given every
 * order the run created: reservations happen in an order the test does not control.
 */
export function allowedOutcomes(created: Map<string, ValidOrder>, settings: SagaSettings): Map<string, Outcome[]> {
  const demand = new Map<string, number>();
  for (const order of created.values()) {
    if (!canReserve(order, settings)) continue;
    for (const [sku, q] of merged(order.items)) demand.set(sku, (demand.get(sku) ?? 0) + q);
  }
  const allowed = new Map<string, Outcome[]>();
  for (const [id, order] of created) {
    const lines = merged(order.items);
    if ([...lines.keys()].some((sku) => !settings.skus.has(sku))) allowed.set(id, [{ status: 'CANCELLED', reason: 'UNKNOWN_SKU' }]);
    else if ([...lines.values()].some((q) => q > settings.stock)) allowed.set(id, [{ status: 'CANCELLED', reason: 'OUT_OF_STOCK' }]);
    else {
      const reserved: Outcome =
        totalOf(order) > settings.declineAbove ? { status: 'CANCELLED', reason: 'PAYMENT_DECLINED' } : { status: 'CONFIRMED' };
      const certain = [...lines.keys()].every((sku) => (demand.get(sku) ?? 0) <= settings.stock);
      allowed.set(id, certain ? [reserved] : [reserved, { status: 'CANCELLED', reason: 'OUT_OF_STOCK' }]);
    }
  }
  return allowed;
}

/** Units each SKU must have left: the seeded stock minus what confirmed orders took; nothing stays reserved. */
export function expectedStock(confirmed: ValidOrder[], settings: SagaSettings): Map<string, { available: number; reserved: number }> {
  const left = new Map([...settings.skus].map((sku) => [sku, { available: settings.stock, reserved: 0 }]));
  for (const order of confirmed) for (const [sku, q] of merged(order.items)) left.get(sku)!.available -= q;
  return left;
}
