import { randomUUID } from 'node:crypto';

import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import type { EventOutbox, UnitOfWork } from '@app/persistence';
import { FakeEventOutbox, FakeUnitOfWork, type PublicPart } from '@app/persistence/testing';
import { NotFoundException, UnprocessableEntityException } from '@nestjs/common';

import type { CreateOrderDto } from './create-order.dto';
import type { OrderStatus } from './list-orders.query';
import type { HistoryRow, OrderRow, OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

type Step = { eventType: string; eventId: string; at: Date };

/** The orders schema in memory, with the repository's semantics. */
class FakeOrdersRepository implements PublicPart<OrdersRepository> {
  readonly orders = new Map<string, OrderRow>();
  readonly steps: HistoryRow[] = [];

  insert(_db: unknown, row: OrderRow) {
    if (row.idempotencyKey && [...this.orders.values()].some((o) => o.idempotencyKey === row.idempotencyKey)) {
      return Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' }));
    }
    this.orders.set(row.id, { ...row });
    return Promise.resolve();
  }

  findById(_db: unknown, id: string) {
    return Promise.resolve(this.orders.get(id));
  }

  findByIdForUpdate(db: unknown, id: string) {
    return this.findById(db, id);
  }

  findByIdempotencyKey(_db: unknown, key: string) {
    return Promise.resolve([...this.orders.values()].find((o) => o.idempotencyKey === key));
  }

  history(_db: unknown, orderId: string) {
    return Promise.resolve(this.steps.filter((s) => s.orderId === orderId));
  }

  addHistory(_db: unknown, orderId: string, steps: Step[]) {
    for (const step of steps) this.steps.push({ id: this.steps.length + 1, orderId, ...step });
    return Promise.resolve();
  }

  async addHistoryIfOrderExists(db: unknown, orderId: string, step: Step) {
    if (!this.orders.has(orderId)) return false;
    await this.addHistory(db, orderId, [step]);
    return true;
  }

  setOutcome(_db: unknown, id: string, outcome: { status: OrderStatus; reason?: string; reasonMessage?: string }, at: Date) {
    const row = this.orders.get(id)!;
    this.orders.set(id, {
      ...row,
      status: outcome.status,
      reason: outcome.reason ?? null,
      reasonMessage: outcome.reasonMessage ?? null,
      updatedAt: at,
    });
    return Promise.resolve();
  }

  list() {
    return Promise.resolve([...this.orders.values()]);
  }
}

const dto = (customerId = 'c-1'): CreateOrderDto => ({
  customerId,
  currency: 'EUR',
  items: [
    { sku: 'SKU-A', quantity: 2, unitPrice: 150 },
    { sku: 'SKU-B', quantity: 1, unitPrice: 700 },
  ],
});

const paymentCompleted = (orderId: string): EventEnvelope<'payments.completed'> =>
  createEvent(
    Subjects.PaymentCompleted,
    { orderId, customerId: 'c-1', paymentId: 'tx-1', amount: 1000, currency: 'EUR' },
    { source: 'payment-service' },
  );

const inventoryRejected = (orderId: string): EventEnvelope<'inventory.rejected'> =>
  createEvent(
    Subjects.InventoryRejected,
    { orderId, customerId: 'c-1', reason: 'OUT_OF_STOCK', message: 'Not enough stock for: SKU-B', items: [{ sku: 'SKU-B', quantity: 1 }] },
    { source: 'inventory-service' },
  );

describe('OrdersService', () => {
  let repository: FakeOrdersRepository;
  let outbox: FakeEventOutbox;
  let service: OrdersService;

  beforeEach(() => {
    repository = new FakeOrdersRepository();
    outbox = new FakeEventOutbox();
    service = new OrdersService(new FakeUnitOfWork(outbox) as unknown as UnitOfWork, outbox as unknown as EventOutbox, repository);
  });

  it('creates a PENDING order with its total and one orders.created event, and answers with what it stored', async () => {
    const { order, replayed } = await service.create(dto());

    expect(replayed).toBe(false);
    expect(order).toMatchObject({ status: 'PENDING', customerId: 'c-1', totalAmount: 1000, currency: 'EUR' });
    expect(outbox.types()).toEqual([Subjects.OrderCreated]);
    expect(order.history).toEqual([{ type: Subjects.OrderCreated, eventId: outbox.events[0].id, at: order.createdAt }]);
    expect(await service.get(order.id)).toEqual(order);
  });

  it('returns the first order for a repeated idempotency key and body, and refuses the key with another body', async () => {
    const first = await service.create(dto(), 'key-1');
    await expect(service.create(dto(), 'key-1')).resolves.toEqual({ order: first.order, replayed: true });
    await expect(service.create(dto('c-2'), 'key-1')).rejects.toBeInstanceOf(UnprocessableEntityException);
    expect(outbox.types()).toEqual([Subjects.OrderCreated]);
  });

  it("hides another customer's order exactly like a missing one", async () => {
    const { order } = await service.create(dto('c-1'));
    await expect(service.get(order.id, 'c-1')).resolves.toMatchObject({ id: order.id });
    await expect(service.get(order.id, 'c-2')).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.get(randomUUID())).rejects.toBeInstanceOf(NotFoundException);
  });

  it('confirms a pending order on payments.completed and emits orders.confirmed caused by it', async () => {
    const { order } = await service.create(dto());
    const cause = paymentCompleted(order.id);
    await service.applyOutcome('order-service-payments-completed', cause, { status: 'CONFIRMED' });

    expect(repository.orders.get(order.id)?.status).toBe('CONFIRMED');
    expect(outbox.types()).toEqual([Subjects.OrderCreated, Subjects.OrderConfirmed]);
    expect(outbox.events[1]).toMatchObject({ causationid: cause.id, data: { orderId: order.id, totalAmount: 1000 } });
    expect((await service.get(order.id)).history?.map((h) => h.type)).toEqual([
      Subjects.OrderCreated,
      Subjects.PaymentCompleted,
      Subjects.OrderConfirmed,
    ]);
  });

  it('cancels with the rejection reason, and a later outcome for the final order changes only its history', async () => {
    const { order } = await service.create(dto());
    await service.applyOutcome('order-service-inventory-rejected', inventoryRejected(order.id), {
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
      message: 'Not enough stock for: SKU-B',
    });
    await service.applyOutcome('order-service-payments-completed', paymentCompleted(order.id), { status: 'CONFIRMED' });

    expect(repository.orders.get(order.id)).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expect(outbox.types()).toEqual([Subjects.OrderCreated, Subjects.OrderCancelled]);
    expect(outbox.events[1].data).toMatchObject({ reason: 'OUT_OF_STOCK' });
    expect((await service.get(order.id)).history?.map((h) => h.type)).toEqual([
      Subjects.OrderCreated,
      Subjects.InventoryRejected,
      Subjects.OrderCancelled,
      Subjects.PaymentCompleted,
    ]);
  });

  it('applies a redelivered outcome once, and ignores an outcome for an unknown order', async () => {
    const { order } = await service.create(dto());
    const cause = paymentCompleted(order.id);
    await service.applyOutcome('order-service-payments-completed', cause, { status: 'CONFIRMED' });
    await service.applyOutcome('order-service-payments-completed', cause, { status: 'CONFIRMED' });
    await service.applyOutcome('order-service-payments-completed', paymentCompleted(randomUUID()), { status: 'CONFIRMED' });

    expect(outbox.types()).toEqual([Subjects.OrderCreated, Subjects.OrderConfirmed]);
    expect(repository.steps.filter((s) => s.eventId === cause.id)).toHaveLength(1);
  });

  it('records other saga steps in the history once, without changing the status', async () => {
    const { order } = await service.create(dto());
    const step = createEvent(
      Subjects.NotificationSent,
      { orderId: order.id, channel: 'email', template: 'order-confirmed', recipient: 'c-1' },
      { source: 'notification-service' },
    );
    await service.recordStep('order-service-notification-sent', step);
    await service.recordStep('order-service-notification-sent', step);

    expect(repository.steps.filter((s) => s.eventId === step.id)).toHaveLength(1);
    expect(repository.orders.get(order.id)?.status).toBe('PENDING');
    expect(outbox.types()).toEqual([Subjects.OrderCreated]);
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(service.list({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(UnprocessableEntityException);
  });
});
