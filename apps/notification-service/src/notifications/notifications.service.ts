import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';

import { NotificationProviderClient } from '../provider';
import { NotificationsRepository } from './notifications.repository';

export const NOTIFICATION_SERVICE = 'notification-service';

type Template = 'order-confirmed' | 'order-cancelled';

/** Tells the customer how the order ended, once per order and outcome. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly provider: NotificationProviderClient,
    private readonly notifications: NotificationsRepository,
  ) {}

  /**
   * A notification already recorded for (order, template) is never sent again; the provider call carries the same
   * idempotency key, so a crash between sending and committing does not reach the customer twice either: the
   * provider remembers the key, not this process.
   */
  async notify(consumer: string, event: EventEnvelope<'orders.confirmed'> | EventEnvelope<'orders.cancelled'>): Promise<void> {
    const { orderId, customerId } = event.data;
    const template: Template = event.type === Subjects.OrderConfirmed ? 'order-confirmed' : 'order-cancelled';
    if (await this.notifications.exists(this.uow.db, orderId, template)) {
      await this.uow.markHandled(consumer, event);
      return;
    }
    const receipt = await this.provider.send({
      orderId,
      recipient: customerId,
      template,
      data: event.data,
      idempotencyKey: `${orderId}:${template}`,
    });
    const meta = { source: NOTIFICATION_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
    await this.uow.handleOnce(consumer, event, async (tx) => {
      const recorded = await this.notifications.addOnce(tx, {
        orderId,
        template,
        recipient: customerId,
        channel: 'email',
        providerMessageId: receipt.messageId,
        sentAt: new Date(),
      });
      if (!recorded) return;
      await this.outbox.enqueue(tx, createEvent(Subjects.NotificationSent, { orderId, channel: 'email', template, recipient: customerId }, meta));
    });
  }
}
