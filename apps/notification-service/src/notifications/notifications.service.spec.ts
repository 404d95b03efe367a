import { randomUUID } from 'node:crypto';

import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import type { EventOutbox, Tx, UnitOfWork } from '@app/persistence';
import { FakeEventOutbox, FakeUnitOfWork, type PublicPart } from '@app/persistence/testing';

import type { NotificationProviderClient, SendReceipt, SendRequest } from '../provider';
import type { NotificationRow, NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

class FakeNotificationsRepository implements PublicPart<NotificationsRepository> {
  readonly rows = new Map<string, NotificationRow>();

  exists(_db: unknown, orderId: string, template: string) {
    return Promise.resolve(this.rows.has(`${orderId}|${template}`));
  }

  addOnce(_tx: Tx, row: NotificationRow) {
    const key = `${row.orderId}|${row.template}`;
    if (this.rows.has(key)) return Promise.resolve(false);
    this.rows.set(key, row);
    return Promise.resolve(true);
  }
}

class FakeProvider implements PublicPart<NotificationProviderClient> {
  readonly sent: SendRequest[] = [];
  failure?: Error;

  send(request: SendRequest): Promise<SendReceipt> {
    if (this.failure) return Promise.reject(this.failure);
    this.sent.push(request);
    return Promise.resolve({ messageId: `msg-${this.sent.length}` });
  }
}

const CONSUMER = 'notification-service-orders-confirmed';

function confirmed(orderId: string = randomUUID()): EventEnvelope<'orders.confirmed'> {
  return createEvent(Subjects.OrderConfirmed, { orderId, customerId: 'c-7', totalAmount: 900, currency: 'EUR' }, { source: 'order-service' });
}

function cancelled(orderId: string = randomUUID()): EventEnvelope<'orders.cancelled'> {
  return createEvent(Subjects.OrderCancelled, { orderId, customerId: 'c-7', reason: 'OUT_OF_STOCK', message: 'gone' }, { source: 'order-service' });
}

describe('NotificationsService', () => {
  let repository: FakeNotificationsRepository;
  let provider: FakeProvider;
  let outbox: FakeEventOutbox;
  let uow: FakeUnitOfWork;
  let service: NotificationsService;

  beforeEach(() => {
    repository = new FakeNotificationsRepository();
    provider = new FakeProvider();
    outbox = new FakeEventOutbox();
    uow = new FakeUnitOfWork(outbox);
    service = new NotificationsService(
      uow as unknown as UnitOfWork,
      outbox as unknown as EventOutbox,
      provider as unknown as NotificationProviderClient,
      repository,
    );
  });

  it('tells the customer of a confirmed order, keyed by order and template, and emits notification.sent', async () => {
    const event = confirmed();
    await service.notify(CONSUMER, event);

    expect(provider.sent).toEqual([
      expect.objectContaining({
        orderId: event.data.orderId,
        recipient: 'c-7',
        template: 'order-confirmed',
        idempotencyKey: `${event.data.orderId}:order-confirmed`,
      }),
    ]);
    expect(repository.rows.get(`${event.data.orderId}|order-confirmed`)).toMatchObject({ providerMessageId: 'msg-1', channel: 'email' });
    expect(outbox.types()).toEqual([Subjects.NotificationSent]);
    expect(outbox.events[0]).toMatchObject({ causationid: event.id, data: { template: 'order-confirmed', recipient: 'c-7' } });
  });

  it('uses the cancellation template for a cancelled order', async () => {
    await service.notify('notification-service-orders-cancelled', cancelled());
    expect(provider.sent.map((request) => request.template)).toEqual(['order-cancelled']);
  });

  it('sends once per order and template: a redelivery or a republished event reaches nobody again', async () => {
    const event = confirmed();
    await service.notify(CONSUMER, event);
    await service.notify(CONSUMER, event);
    const republished = confirmed(event.data.orderId);
    await service.notify(CONSUMER, republished);

    expect(provider.sent).toHaveLength(1);
    expect(outbox.types()).toEqual([Subjects.NotificationSent]);
    expect(uow.handled.has(`${CONSUMER}|${republished.id}`)).toBe(true);
  });

  it('lets a provider failure fail the delivery (retried later) and records nothing', async () => {
    provider.failure = new Error('provider down');
    await expect(service.notify(CONSUMER, confirmed())).rejects.toThrow('provider down');
    expect(repository.rows.size).toBe(0);
    expect(outbox.events).toEqual([]);
    expect(uow.handled.size).toBe(0);
  });
});
