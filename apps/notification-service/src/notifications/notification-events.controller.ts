import { type EventEnvelope, Subjects } from '@app/contracts';
import { JetStreamContext } from '@app/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { NotificationsService } from './notifications.service';

/** Tells the customer how the order ended. */
@Controller()
export class NotificationEventsController {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern<string>(Subjects.OrderConfirmed)
  orderConfirmed(@Payload() event: EventEnvelope<'orders.confirmed'>, @Ctx() ctx: JetStreamContext) {
    return this.notifications.notify(ctx.consumer, event);
  }

  @EventPattern<string>(Subjects.OrderCancelled)
  orderCancelled(@Payload() event: EventEnvelope<'orders.cancelled'>, @Ctx() ctx: JetStreamContext) {
    return this.notifications.notify(ctx.consumer, event);
  }
}
