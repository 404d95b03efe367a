import { createHash, randomUUID } from 'node:crypto';

import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, UnitOfWork } from '@app/persistence';
import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';

import type { CreateOrderDto } from './create-order.dto';
import type { ListOrdersQuery, OrderStatus } from './list-orders.query';
import { ORDER_SERVICE, orderCreatedEvent } from './order-created';
import { decodeCursor, encodeCursor, type OrderRow, OrdersRepository, type OrderView, toView } from './orders.repository';

const DEFAULT_PAGE_SIZE = 20;

type Outcome = { status: 'CONFIRMED' } | { status: 'CANCELLED'; reason: string; message: string };

/** Creates and reads orders, and applies the saga's outcomes to them. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly repository: OrdersRepository,
  ) {}

  /**
   * Inserts the order as PENDING and its `orders.created` event in one transaction, so the event is published if
   * and only if the order exists (the outbox relay does the publishing, even while NATS is down).
   * With an idempotency key, the same key and body return the first order; a different body is refused with 422.
   */
  async create(dto: CreateOrderDto, idempotencyKey?: string): Promise<{ order: OrderView; replayed: boolean }> {
    const requestHash = idempotencyKey ? hashRequest(dto) : undefined;
    if (idempotencyKey) {
      const existing = await this.replay(idempotencyKey, requestHash!);
      if (existing) return { order: existing, replayed: true };
    }
    const id = randomUUID();
    const now = new Date();
    const event = orderCreatedEvent(id, dto);
    const { items, totalAmount } = event.data;
    const row: OrderRow = {
      id,
      customerId: dto.customerId,
      currency: dto.currency,
      items,
      totalAmount,
      status: 'PENDING',
      reason: null,
      reasonMessage: null,
      idempotencyKey: idempotencyKey ?? null,
      requestHash: requestHash ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const step = { eventType: event.type, eventId: event.id, at: now };
    try {
      await this.uow.transactional(async (tx) => {
        await this.repository.insert(tx, row);
        await this.repository.addHistory(tx, id, [step]);
        await this.outbox.enqueue(tx, event);
      });
    } catch (error) {
      // Two requests with one key raced; the loser answers with the winner's order.
      if (idempotencyKey && isUniqueViolation(error)) {
        const existing = await this.replay(idempotencyKey, requestHash!);
        if (existing) return { order: existing, replayed: true };
      }
      throw error;
    }
    // What was just committed is the order as it stands: no read-back.
    return { order: toView(row, [step]), replayed: false };
  }

  /**
   * The order with its history. With `customerId`, another customer's order is reported exactly like a missing one,
   * so a caller cannot tell which ids exist.
   */
  async get(id: string, customerId?: string): Promise<OrderView> {
    const row = await this.repository.findById(this.uow.db, id);
    if (!row || (customerId !== undefined && row.customerId !== customerId)) throw new NotFoundException(`Order ${id} does not exist.`);
    return toView(row, await this.repository.history(this.uow.db, id));
  }

  async list(query: ListOrdersQuery): Promise<{ items: OrderView[]; nextCursor?: string }> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !after) throw new UnprocessableEntityException('cursor is not one this API issued.');
    const rows = await this.repository.list(this.uow.db, { customerId: query.customerId, status: query.status, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => toView(row)),
      ...(rows.length > limit ? { nextCursor: encodeCursor(page[page.length - 1]) } : {}),
    };
  }

  /** Records a saga step that does not change the order's status (reserved, released, notified...). */
  async recordStep(consumer: string, event: EventEnvelope): Promise<void> {
    const orderId = (event.data as { orderId: string }).orderId;
    await this.uow.handleOnce(consumer, event, (tx) =>
      this.repository.addHistoryIfOrderExists(tx, orderId, { eventType: event.type, eventId: event.id, at: new Date(event.time) }),
    );
  }

  /**
   * Moves a PENDING order to its final state and emits `orders.confirmed` or `orders.cancelled`, in one transaction
   * with the inbox entry, so a redelivered outcome changes nothing. An order already final stays as it is.
   */
  async applyOutcome(consumer: string, cause: EventEnvelope, outcome: Outcome): Promise<void> {
    const orderId = (cause.data as { orderId: string }).orderId;
    await this.uow.handleOnce(consumer, cause, async (tx) => {
      const order = await this.repository.findByIdForUpdate(tx, orderId);
      if (!order) return;
      const causeStep = { eventType: cause.type, eventId: cause.id, at: new Date(cause.time) };
      if (order.status !== 'PENDING') {
        await this.repository.addHistory(tx, orderId, [causeStep]);
        return;
      }
      const now = new Date();
      const meta = { source: ORDER_SERVICE, subject: orderId, correlationId: cause.correlationid, causationId: cause.id };
      const event =
        outcome.status === 'CONFIRMED'
          ? createEvent(
              Subjects.OrderConfirmed,
              { orderId, customerId: order.customerId, totalAmount: order.totalAmount, currency: order.currency },
              meta,
            )
          : createEvent(Subjects.OrderCancelled, { orderId, customerId: order.customerId, reason: outcome.reason, message: outcome.message }, meta);
      await this.repository.setOutcome(
        tx,
        orderId,
        outcome.status === 'CONFIRMED' ? { status: 'CONFIRMED' } : { status: 'CANCELLED', reason: outcome.reason, reasonMessage: outcome.message },
        now,
      );
      await this.repository.addHistory(tx, orderId, [causeStep, { eventType: event.type, eventId: event.id, at: now }]);
      await this.outbox.enqueue(tx, event);
    });
  }

  private async replay(key: string, requestHash: string): Promise<OrderView | undefined> {
    const existing = await this.repository.findByIdempotencyKey(this.uow.db, key);
    if (!existing) return undefined;
    if (existing.requestHash !== requestHash) {
      throw new UnprocessableEntityException('This Idempotency-Key was already used with a different request body.');
    }
    return this.get(existing.id);
  }
}

function hashRequest(dto: CreateOrderDto): string {
  const canonical = JSON.stringify({
    customerId: dto.customerId,
    currency: dto.currency,
    items: dto.items.map(({ sku, quantity, unitPrice }) => [sku, quantity, unitPrice]),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return code === '23505';
}

export { ORDER_SERVICE };
export type { OrderStatus };
