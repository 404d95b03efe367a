import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, type Tx, UnitOfWork } from '@app/persistence';
import { Injectable, NotFoundException } from '@nestjs/common';
import { asc, eq, inArray, sql } from 'drizzle-orm';

import { products, reservations } from '../db/inventory.schema';

export const INVENTORY_SERVICE = 'inventory-service';

type Line = { sku: string; quantity: number };

/** Sums quantities per SKU, so an order naming one SKU twice reserves the total once. */
export function mergeLines(items: Line[]): Line[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => ({ sku, quantity }));
}

/** Stock levels and per-order reservations. */
@Injectable()
export class StockService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: EventOutbox,
  ) {}

  async level(sku: string): Promise<{ sku: string; available: number; reserved: number }> {
    const [row] = await this.uow.db.select().from(products).where(eq(products.sku, sku)).limit(1);
    if (!row) throw new NotFoundException(`SKU ${sku} does not exist.`);
    return row;
  }

  /**
   * Reserves every line of the order or none: the product rows are locked in SKU order (so concurrent orders
   * cannot deadlock or oversell), checked, and decremented in one transaction with the outcome event.
   */
  async reserve(consumer: string, event: EventEnvelope<'orders.created'>): Promise<void> {
    const { orderId, customerId, currency, totalAmount } = event.data;
    const meta = { source: INVENTORY_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
    await this.uow.transactional(async (tx) => {
      await this.uow.inbox.runOnce(tx, consumer, event.id, async () => {
        // The same order republished under a new event id must not reserve twice.
        if (await this.findReservation(tx, orderId)) return;
        const lines = mergeLines(event.data.items);
        const rows = await tx
          .select()
          .from(products)
          .where(inArray(products.sku, lines.map((l) => l.sku)))
          .orderBy(asc(products.sku))
          .for('update');
        const bySku = new Map(rows.map((row: typeof products.$inferSelect) => [row.sku, row]));
        const unknown = lines.filter((l) => !bySku.has(l.sku)).map((l) => l.sku);
        const short = lines.filter((l) => bySku.has(l.sku) && bySku.get(l.sku)!.available < l.quantity).map((l) => l.sku);
        const now = new Date();
        if (unknown.length || short.length) {
          await tx.insert(reservations).values({ orderId, status: 'REJECTED', items: lines, createdAt: now, updatedAt: now });
          const rejection = unknown.length
            ? { reason: 'UNKNOWN_SKU' as const, message: `Unknown SKU: ${unknown.join(', ')}` }
            : { reason: 'OUT_OF_STOCK' as const, message: `Not enough stock for: ${short.join(', ')}` };
          await this.outbox.enqueue(tx, createEvent(Subjects.InventoryRejected, { orderId, customerId, ...rejection, items: lines }, meta));
          return;
        }
        for (const line of lines) {
          await tx
            .update(products)
            .set({ available: sql`${products.available} - ${line.quantity}`, reserved: sql`${products.reserved} + ${line.quantity}` })
            .where(eq(products.sku, line.sku));
        }
        await tx.insert(reservations).values({ orderId, status: 'RESERVED', items: lines, createdAt: now, updatedAt: now });
        await this.outbox.enqueue(
          tx,
          createEvent(Subjects.InventoryReserved, { orderId, customerId, currency, totalAmount, items: lines }, meta),
        );
      });
    });
  }

  /** Compensation: gives back what the order reserved and emits `inventory.released`. Anything else is a no-op. */
  async release(consumer: string, event: EventEnvelope<'orders.cancelled'>): Promise<void> {
    const { orderId } = event.data;
    await this.uow.transactional(async (tx) => {
      await this.uow.inbox.runOnce(tx, consumer, event.id, async () => {
        const reservation = await this.findReservation(tx, orderId, true);
        if (!reservation || reservation.status !== 'RESERVED') return;
        await this.moveReserved(tx, reservation.items, 'release');
        await tx.update(reservations).set({ status: 'RELEASED', updatedAt: new Date() }).where(eq(reservations.orderId, orderId));
        const meta = { source: INVENTORY_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
        await this.outbox.enqueue(tx, createEvent(Subjects.InventoryReleased, { orderId, items: reservation.items }, meta));
      });
    });
  }

  /** A confirmed order's reserved units leave the warehouse: they stop counting as reserved. */
  async commit(consumer: string, event: EventEnvelope<'orders.confirmed'>): Promise<void> {
    const { orderId } = event.data;
    await this.uow.transactional(async (tx) => {
      await this.uow.inbox.runOnce(tx, consumer, event.id, async () => {
        const reservation = await this.findReservation(tx, orderId, true);
        if (!reservation || reservation.status !== 'RESERVED') return;
        await this.moveReserved(tx, reservation.items, 'commit');
        await tx.update(reservations).set({ status: 'COMMITTED', updatedAt: new Date() }).where(eq(reservations.orderId, orderId));
      });
    });
  }

  private async findReservation(tx: Tx, orderId: string, lock = false) {
    const query = tx.select().from(reservations).where(eq(reservations.orderId, orderId)).limit(1);
    const [row] = lock ? await query.for('update') : await query;
    return row as typeof reservations.$inferSelect | undefined;
  }

  private async moveReserved(tx: Tx, items: Line[], mode: 'release' | 'commit'): Promise<void> {
    for (const line of mergeLines(items)) {
      await tx
        .update(products)
        .set(
          mode === 'release'
            ? { available: sql`${products.available} + ${line.quantity}`, reserved: sql`${products.reserved} - ${line.quantity}` }
            : { reserved: sql`${products.reserved} - ${line.quantity}` },
        )
        .where(eq(products.sku, line.sku));
    }
  }
}
