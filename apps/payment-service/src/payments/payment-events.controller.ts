import { type EventEnvelope, Subjects } from '@app/contracts';
import { JetStreamContext } from '@app/messaging';
import { APP_ENV, type CommonEnv } from '@app/runtime';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { PaymentsService } from './payments.service';

/** Charges every order whose stock was reserved. */
@Controller()
export class PaymentEventsController {
  private readonly maxDeliver: number;

  constructor(
    private readonly payments: PaymentsService,
    @Inject(APP_ENV) env: CommonEnv,
  ) {
    this.maxDeliver = env.NATS_MAX_DELIVER;
  }

  /** On the last delivery an unavailable gateway fails the payment instead of retrying, so the order still ends. */
  @EventPattern<string>(Subjects.InventoryReserved)
  inventoryReserved(@Payload() event: EventEnvelope<'inventory.reserved'>, @Ctx() ctx: JetStreamContext) {
    return this.payments.charge(ctx.consumer, event, ctx.deliveryCount >= this.maxDeliver);
  }
}
