import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { and, eq } from 'drizzle-orm';

import { notifications } from '../db/notification.schema';
import { NotificationProviderClient } from '../provider';

export const NOTIFICATION_SERVICE = 'notification-service';

type Template = 'order-confirmed' | 'order-cancelled';

/** Tells the customer how the order ended, once per order and outcome. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly provider: NotificationProviderClient,
  ) {}

  /**
   * A notification already recorded for (order, template) is never sent again; the provider call carries the same
   * idempotency key, so a crash between sending and committing does not reach the customer twice either: the
   * provider remembers the key, not this process.
   */
  async notify(consumer: string, event: EventEnvelope<'orders.confirmed'> | EventEnvelope<'orders.cancelled'>): Promise<void> {
    const { orderId, customerId } = event.data;
    const template: Template = event.type === Subjects.OrderConfirmed ? 'order-confirmed' : 'order-cancelled';
    if (await this.alreadySent(orderId, template)) {
      await this.uow.transactional((tx) => this.uow.inbox.runOnce(tx, consumer, event.id, async () => undefined));
      return;
    }
    const receipt = await this.provider.send({
      orderId,
      recipient: customerId,
      template,
      data: event.data as unknown as Record<string, unknown>,
      idempotencyKey: `${orderId}:${template}`,
    });
    const meta = { source: NOTIFICATION_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
    await this.uow.transactional(async (tx) => {
      await this.uow.inbox.runOnce(tx, consumer, event.id, async () => {
        const inserted = await tx
          .insert(notifications)
          .values({ orderId, template, recipient: customerId, channel: 'email', providerMessageId: receipt.messageId, sentAt: new Date() })
          .onConflictDoNothing()
          .returning({ orderId: notifications.orderId });
        if (inserted.length === 0) return;
        await this.outbox.enqueue(tx, createEvent(Subjects.NotificationSent, { orderId, channel: 'email', template, recipient: customerId }, meta));
      });
    });
  }

  private async alreadySent(orderId: string, template: Template): Promise<boolean> {
    const rows = await this.uow.db
      .select({ orderId: notifications.orderId })
      .from(notifications)
      .where(and(eq(notifications.orderId, orderId), eq(notifications.template, template)))
      .limit(1);
    return rows.length > 0;
  }
}
