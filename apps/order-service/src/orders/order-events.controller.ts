import { type EventEnvelope, Subjects } from '@app/contracts';
import { JetStreamContext } from '@app/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { OrdersService } from './orders.service';

/**
 * The saga's outcome, seen from the order: a completed payment confirms it; a failed payment or a rejected
 * reservation cancels it; the other steps are recorded in its history. Each handler is idempotent (inbox), so a
 * redelivered event changes nothing.
 */
@Controller()
export class OrderEventsController {
  constructor(private readonly orders: OrdersService) {}

  @EventPattern<string>(Subjects.PaymentCompleted)
  paymentCompleted(@Payload() event: EventEnvelope<'payments.completed'>, @Ctx() ctx: JetStreamContext) {
    return this.orders.applyOutcome(ctx.consumer, event, { status: 'CONFIRMED' });
  }

  @EventPattern<string>(Subjects.PaymentFailed)
  paymentFailed(@Payload() event: EventEnvelope<'payments.failed'>, @Ctx() ctx: JetStreamContext) {
    const reason = event.data.reason === 'DECLINED' ? 'PAYMENT_DECLINED' : 'PAYMENT_UNAVAILABLE';
    return this.orders.applyOutcome(ctx.consumer, event, { status: 'CANCELLED', reason, message: event.data.message });
  }

  @EventPattern<string>(Subjects.InventoryRejected)
  inventoryRejected(@Payload() event: EventEnvelope<'inventory.rejected'>, @Ctx() ctx: JetStreamContext) {
    return this.orders.applyOutcome(ctx.consumer, event, { status: 'CANCELLED', reason: event.data.reason, message: event.data.message });
  }

  @EventPattern<string>(Subjects.InventoryReserved)
  inventoryReserved(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext) {
    return this.orders.recordStep(ctx.consumer, event);
  }

  @EventPattern<string>(Subjects.InventoryReleased)
  inventoryReleased(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext) {
    return this.orders.recordStep(ctx.consumer, event);
  }

  @EventPattern<string>(Subjects.NotificationSent)
  notificationSent(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext) {
    return this.orders.recordStep(ctx.consumer, event);
  }
}
