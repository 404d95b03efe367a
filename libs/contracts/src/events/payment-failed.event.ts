import { IsEnum } from 'class-validator';

import { Currency, HumanMessage, MinorUnits, OpaqueId, OrderId } from './event-fields';
import { PaymentFailureReason } from './reasons';
import { Describe, DescribeClass } from './schema-hints';

/** `payments.failed`: declined, or the gateway stayed unavailable; the order gets cancelled. */
@DescribeClass('The charge was declined or the gateway stayed unavailable; the order is cancelled next.')
export class PaymentFailedData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @IsEnum(PaymentFailureReason)
  @Describe('Machine-readable reason.')
  reason!: PaymentFailureReason;

  @HumanMessage()
  message!: string;

  @MinorUnits('The amount that was to be charged.')
  amount!: number;

  @Currency()
  currency!: string;
}
