import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, type Tx, UnitOfWork } from '@app/persistence';
import { Injectable, NotFoundException } from '@nestjs/common';

import { type StockLine, StockRepository } from './stock.repository';

export const INVENTORY_SERVICE = 'inventory-service';

type Line = StockLine;

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
    private readonly stock: StockRepository,
  ) {}

  async level(sku: string): Promise<{ sku: string; available: number; reserved: number }> {
    const row = await this.stock.product(this.uow.db, sku);
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
    await this.uow.handleOnce(consumer, event, async (tx) => {
      // The same order republished under a new event id must not reserve twice.
      if (await this.stock.reservation(tx, orderId)) return;
      const lines = mergeLines(event.data.items);
      const bySku = new Map(
        (
          await this.stock.lockProducts(
            tx,
            lines.map((l) => l.sku),
          )
        ).map((row) => [row.sku, row]),
      );
      const unknown = lines.filter((l) => !bySku.has(l.sku)).map((l) => l.sku);
      const short = lines.filter((l) => bySku.has(l.sku) && bySku.get(l.sku)!.available < l.quantity).map((l) => l.sku);
      const now = new Date();
      if (unknown.length || short.length) {
        await this.stock.addReservation(tx, orderId, 'REJECTED', lines, now);
        const rejection = unknown.length
          ? { reason: 'UNKNOWN_SKU' as const, message: `Unknown SKU: ${unknown.join(', ')}` }
          : { reason: 'OUT_OF_STOCK' as const, message: `Not enough stock for: ${short.join(', ')}` };
        await this.outbox.enqueue(tx, createEvent(Subjects.InventoryRejected, { orderId, customerId, ...rejection, items: lines }, meta));
        return;
      }
      await this.stock.move(tx, lines, 'reserve');
      await this.stock.addReservation(tx, orderId, 'RESERVED', lines, now);
      await this.outbox.enqueue(tx, createEvent(Subjects.InventoryReserved, { orderId, customerId, currency, totalAmount, items: lines }, meta));
    });
  }

  /** Compensation: gives back what the order reserved and emits `inventory.released`. Anything else is a no-op. */
  async release(consumer: string, event: EventEnvelope<'orders.cancelled'>): Promise<void> {
    const { orderId } = event.data;
    await this.uow.handleOnce(consumer, event, async (tx) => {
      const reservation = await this.stock.reservation(tx, orderId, { lock: true });
      if (!reservation || reservation.status !== 'RESERVED') return;
      await this.moveReserved(tx, reservation.items, 'release');
      await this.stock.setReservationStatus(tx, orderId, 'RELEASED', new Date());
      const meta = { source: INVENTORY_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
      await this.outbox.enqueue(tx, createEvent(Subjects.InventoryReleased, { orderId, items: reservation.items }, meta));
    });
  }

  /** A confirmed order's reserved units leave the warehouse: they stop counting as reserved. */
  async commit(consumer: string, event: EventEnvelope<'orders.confirmed'>): Promise<void> {
    const { orderId } = event.data;
    await this.uow.handleOnce(consumer, event, async (tx) => {
      const reservation = await this.stock.reservation(tx, orderId, { lock: true });
      if (!reservation || reservation.status !== 'RESERVED') return;
      await this.moveReserved(tx, reservation.items, 'commit');
      await this.stock.setReservationStatus(tx, orderId, 'COMMITTED', new Date());
    });
  }

  /** Gives back or ships a reservation's units; several SKUs are locked in SKU order first (see `move`). */
  private async moveReserved(tx: Tx, items: Line[], move: 'release' | 'commit'): Promise<void> {
    const lines = mergeLines(items);
    if (lines.length > 1)
      await this.stock.lockProducts(
        tx,
        lines.map((l) => l.sku),
      );
    await this.stock.move(tx, lines, move);
  }
}
