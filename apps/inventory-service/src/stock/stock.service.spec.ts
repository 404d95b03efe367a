import { randomUUID } from 'node:crypto';

import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import type { EventOutbox, Tx, UnitOfWork } from '@app/persistence';
import { FakeEventOutbox, FakeUnitOfWork, type PublicPart } from '@app/persistence/testing';
import { NotFoundException } from '@nestjs/common';

import type { ReservationStatus } from '../db/inventory.schema';
import type { ProductRow, ReservationRow, StockLine, StockMove, StockRepository } from './stock.repository';
import { mergeLines, StockService } from './stock.service';

/** The inventory schema in memory, with the repository's semantics (locks aside). */
class FakeStockRepository implements PublicPart<StockRepository> {
  readonly products = new Map<string, ProductRow>();
  readonly reservations = new Map<string, ReservationRow>();
  readonly locked: string[][] = [];

  seed(sku: string, available: number): this {
    this.products.set(sku, { sku, available, reserved: 0 });
    return this;
  }

  product(_db: unknown, sku: string) {
    const row = this.products.get(sku);
    return Promise.resolve(row && { ...row });
  }

  lockProducts(_tx: Tx, skus: string[]) {
    this.locked.push([...skus]);
    return Promise.resolve([...skus].sort().flatMap((sku) => (this.products.has(sku) ? [{ ...this.products.get(sku)! }] : [])));
  }

  reservation(_db: unknown, orderId: string) {
    return Promise.resolve(this.reservations.get(orderId));
  }

  addReservation(_tx: Tx, orderId: string, status: ReservationStatus, items: StockLine[], at: Date) {
    if (this.reservations.has(orderId)) throw new Error(`duplicate key: reservation ${orderId}`);
    this.reservations.set(orderId, { orderId, status, items, createdAt: at, updatedAt: at });
    return Promise.resolve();
  }

  setReservationStatus(_tx: Tx, orderId: string, status: ReservationStatus, at: Date) {
    const row = this.reservations.get(orderId);
    if (row) this.reservations.set(orderId, { ...row, status, updatedAt: at });
    return Promise.resolve();
  }

  move(_tx: Tx, lines: StockLine[], move: StockMove) {
    for (const { sku, quantity } of lines) {
      const row = this.products.get(sku)!;
      if (move === 'reserve') this.products.set(sku, { sku, available: row.available - quantity, reserved: row.reserved + quantity });
      if (move === 'release') this.products.set(sku, { sku, available: row.available + quantity, reserved: row.reserved - quantity });
      if (move === 'commit') this.products.set(sku, { sku, available: row.available, reserved: row.reserved - quantity });
    }
    return Promise.resolve();
  }
}

const CONSUMER = 'inventory-service-orders-created';

function orderCreated(
  items: { sku: string; quantity: number; unitPrice?: number }[],
  orderId: string = randomUUID(),
): EventEnvelope<'orders.created'> {
  const lines = items.map((item) => ({ unitPrice: 100, ...item }));
  const totalAmount = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  return createEvent(Subjects.OrderCreated, { orderId, customerId: 'c-1', currency: 'EUR', items: lines, totalAmount }, { source: 'order-service' });
}

function orderCancelled(orderId: string): EventEnvelope<'orders.cancelled'> {
  return createEvent(
    Subjects.OrderCancelled,
    { orderId, customerId: 'c-1', reason: 'PAYMENT_DECLINED', message: 'declined' },
    { source: 'order-service' },
  );
}

function orderConfirmed(orderId: string): EventEnvelope<'orders.confirmed'> {
  return createEvent(Subjects.OrderConfirmed, { orderId, customerId: 'c-1', totalAmount: 100, currency: 'EUR' }, { source: 'order-service' });
}

describe('StockService', () => {
  let repository: FakeStockRepository;
  let outbox: FakeEventOutbox;
  let service: StockService;

  beforeEach(() => {
    repository = new FakeStockRepository().seed('SKU-A', 10).seed('SKU-B', 3);
    outbox = new FakeEventOutbox();
    service = new StockService(new FakeUnitOfWork(outbox) as unknown as UnitOfWork, outbox as unknown as EventOutbox, repository);
  });

  it('merges lines per SKU in SKU order, so one SKU named twice reserves its total once', () => {
    expect(
      mergeLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 4 },
    ]);
  });

  it('reserves every line, locking the products in SKU order, and emits inventory.reserved with the merged lines', async () => {
    const event = orderCreated([
      { sku: 'SKU-B', quantity: 1 },
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ]);
    await service.reserve(CONSUMER, event);

    expect(repository.locked).toEqual([['SKU-A', 'SKU-B']]);
    expect(repository.products.get('SKU-A')).toEqual({ sku: 'SKU-A', available: 8, reserved: 2 });
    expect(repository.products.get('SKU-B')).toEqual({ sku: 'SKU-B', available: 1, reserved: 2 });
    expect(repository.reservations.get(event.data.orderId)?.status).toBe('RESERVED');
    expect(outbox.types()).toEqual([Subjects.InventoryReserved]);
    expect(outbox.events[0]).toMatchObject({
      subject: event.data.orderId,
      correlationid: event.correlationid,
      causationid: event.id,
      data: {
        items: [
          { sku: 'SKU-A', quantity: 2 },
          { sku: 'SKU-B', quantity: 2 },
        ],
        totalAmount: event.data.totalAmount,
      },
    });
  });

  it('rejects the whole order with OUT_OF_STOCK when one line is short, taking nothing from the other lines', async () => {
    const event = orderCreated([
      { sku: 'SKU-A', quantity: 1 },
      { sku: 'SKU-B', quantity: 4 },
    ]);
    await service.reserve(CONSUMER, event);

    expect(repository.products.get('SKU-A')).toEqual({ sku: 'SKU-A', available: 10, reserved: 0 });
    expect(repository.reservations.get(event.data.orderId)?.status).toBe('REJECTED');
    expect(outbox.types()).toEqual([Subjects.InventoryRejected]);
    expect(outbox.events[0].data).toMatchObject({ reason: 'OUT_OF_STOCK', message: 'Not enough stock for: SKU-B' });
  });

  it('rejects with UNKNOWN_SKU before OUT_OF_STOCK when a SKU does not exist', async () => {
    await service.reserve(
      CONSUMER,
      orderCreated([
        { sku: 'SKU-B', quantity: 9 },
        { sku: 'NOPE-1', quantity: 1 },
      ]),
    );
    expect(outbox.events[0].data).toMatchObject({ reason: 'UNKNOWN_SKU', message: 'Unknown SKU: NOPE-1' });
    expect(repository.products.get('SKU-B')?.available).toBe(3);
  });

  it('changes nothing for a redelivered event or the same order republished under a new event id', async () => {
    const event = orderCreated([{ sku: 'SKU-A', quantity: 4 }]);
    await service.reserve(CONSUMER, event);
    await service.reserve(CONSUMER, event);
    await service.reserve(CONSUMER, orderCreated([{ sku: 'SKU-A', quantity: 4 }], event.data.orderId));

    expect(repository.products.get('SKU-A')).toEqual({ sku: 'SKU-A', available: 6, reserved: 4 });
    expect(outbox.types()).toEqual([Subjects.InventoryReserved]);
  });

  it('releases a reservation once on cancellation and emits inventory.released', async () => {
    const created = orderCreated([
      { sku: 'SKU-A', quantity: 3 },
      { sku: 'SKU-B', quantity: 1 },
    ]);
    await service.reserve(CONSUMER, created);
    const cancelled = orderCancelled(created.data.orderId);
    await service.release('inventory-service-orders-cancelled', cancelled);
    await service.release('inventory-service-orders-cancelled', cancelled);

    expect(repository.products.get('SKU-A')).toEqual({ sku: 'SKU-A', available: 10, reserved: 0 });
    expect(repository.products.get('SKU-B')).toEqual({ sku: 'SKU-B', available: 3, reserved: 0 });
    expect(repository.reservations.get(created.data.orderId)?.status).toBe('RELEASED');
    expect(outbox.types()).toEqual([Subjects.InventoryReserved, Subjects.InventoryReleased]);
  });

  it('releases nothing for an order whose reservation was rejected or never seen', async () => {
    const rejected = orderCreated([{ sku: 'SKU-B', quantity: 99 }]);
    await service.reserve(CONSUMER, rejected);
    await service.release('inventory-service-orders-cancelled', orderCancelled(rejected.data.orderId));
    await service.release('inventory-service-orders-cancelled', orderCancelled(randomUUID()));

    expect(repository.products.get('SKU-B')).toEqual({ sku: 'SKU-B', available: 3, reserved: 0 });
    expect(outbox.types()).toEqual([Subjects.InventoryRejected]);
  });

  it('ships reserved units on confirmation: they stop counting as reserved, and a later cancellation gives nothing back', async () => {
    const created = orderCreated([{ sku: 'SKU-A', quantity: 5 }]);
    await service.reserve(CONSUMER, created);
    await service.commit('inventory-service-orders-confirmed', orderConfirmed(created.data.orderId));
    await service.release('inventory-service-orders-cancelled', orderCancelled(created.data.orderId));

    expect(repository.products.get('SKU-A')).toEqual({ sku: 'SKU-A', available: 5, reserved: 0 });
    expect(repository.reservations.get(created.data.orderId)?.status).toBe('COMMITTED');
    expect(outbox.types()).toEqual([Subjects.InventoryReserved]);
  });

  it('answers 404 for the level of an unknown SKU', async () => {
    await expect(service.level('SKU-A')).resolves.toEqual({ sku: 'SKU-A', available: 10, reserved: 0 });
    await expect(service.level('NOPE-1')).rejects.toBeInstanceOf(NotFoundException);
  });
});
