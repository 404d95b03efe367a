import { type EventEnvelope, Subjects } from '@app/contracts';
import { JetStreamContext } from '@app/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { StockService } from './stock.service';

/** Reserves stock for new orders, releases it for cancelled ones, and commits it for confirmed ones. */
@Controller()
export class InventoryEventsController {
  constructor(private readonly stock: StockService) {}

  @EventPattern<string>(Subjects.OrderCreated)
  orderCreated(@Payload() event: EventEnvelope<'orders.created'>, @Ctx() ctx: JetStreamContext) {
    return this.stock.reserve(ctx.consumer, event);
  }

  @EventPattern<string>(Subjects.OrderCancelled)
  orderCancelled(@Payload() event: EventEnvelope<'orders.cancelled'>, @Ctx() ctx: JetStreamContext) {
    return this.stock.release(ctx.consumer, event);
  }

  @EventPattern<string>(Subjects.OrderConfirmed)
  orderConfirmed(@Payload() event: EventEnvelope<'orders.confirmed'>, @Ctx() ctx: JetStreamContext) {
    return this.stock.commit(ctx.consumer, event);
  }
}
